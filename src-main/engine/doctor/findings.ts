import type { DoctorEvidence, DoctorFinding, DoctorSample, DoctorSeverity, FixKind } from '../../../shared/models.js';
import type { CollectionReader } from '../collection/collection-reader.js';

/** At most this many record ids, and excerpts, per finding: enough to look them up, never a dump. */
export const SAMPLE_IDS = 10;
export const SAMPLE_EXCERPTS = 3;
/** Excerpts are cut to this many characters. */
const EXCERPT_CHARS = 120;

export const excerpt = (text: string | null | undefined): string | null =>
  text === null || text === undefined ? null : text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;

/** What a check gives for one finding; the evidence fields it leaves out are empty. */
export interface FindingInput {
  code: string;
  severity: DoctorSeverity;
  title: string;
  chromaWould: string;
  fix: FixKind | null;
  remedy: string;
  evidence?: Partial<DoctorEvidence>;
}

const SEVERITY_ORDER: Record<DoctorSeverity, number> = { error: 0, warning: 1, info: 2 };

/**
 * The findings of one doctor run. Checks add to it; `collection(reader)` scopes what they add to
 * one collection (its id, name, tenant and database).
 */
export class Findings {
  private readonly list: DoctorFinding[] = [];

  add(input: FindingInput, scope: Pick<DoctorFinding, 'collection' | 'tenant' | 'database'> = {}): DoctorFinding {
    const e = input.evidence ?? {};
    const finding: DoctorFinding = {
      code: input.code,
      severity: input.severity,
      title: input.title,
      evidence: {
        numbers: e.numbers ?? {},
        ids: (e.ids ?? []).slice(0, SAMPLE_IDS),
        files: e.files ?? [],
        segments: e.segments ?? [],
        samples: (e.samples ?? []).slice(0, SAMPLE_EXCERPTS),
        notes: e.notes ?? [],
      },
      chromaWould: input.chromaWould,
      fix: input.fix,
      remedy: input.remedy,
      ...scope,
    };
    this.list.push(finding);
    return finding;
  }

  /** Adds findings about one collection. */
  collection(reader: CollectionReader): { add: (input: FindingInput) => DoctorFinding } {
    const c = reader.catalog;
    const scope = { collection: { id: c.id, name: c.name }, tenant: c.tenant, database: c.database };
    return { add: (input) => this.add(input, scope) };
  }

  /** Errors first, then warnings, then infos; folder-wide findings before each collection's, in the order found. */
  sorted(): DoctorFinding[] {
    return this.list
      .map((f, i) => ({ f, i }))
      .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || a.i - b.i)
      .map(({ f }) => f);
  }

  count(severity: DoctorSeverity, collectionId?: string): number {
    return this.list.filter((f) => f.severity === severity && (collectionId === undefined || f.collection?.id === collectionId)).length;
  }
}

export type CollectionFindings = ReturnType<Findings['collection']>;

export const sample = (id: string | null, fields: Record<string, string | null | undefined>): DoctorSample => ({
  id,
  fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, excerpt(v)])),
});

/** "1 record" / "3 records". */
export const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;
