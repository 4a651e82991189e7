import { Section } from '../../components/section.js';

/** In place of a card that copies the folder's files (backup, WAL export) on a server source. */
export function FolderOnlyCard({ title, reason, testId }: { title: string; reason: string; testId: string }) {
  return (
    <Section title={title} testId={testId} aside={<span className="muted">needs a folder</span>}>
      <p className="card-lead" data-testid="source-absent">
        {reason}
      </p>
    </Section>
  );
}
