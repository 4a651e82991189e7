import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { rank } from './fuzzy-match.js';

export interface Command {
  id: string;
  group: string;
  title: string;
  detail?: string;
  keywords?: string;
  /** Shortcut shown on the right. */
  hint?: string;
  disabled?: boolean;
  run(): void;
}

/** Ctrl/Cmd+K: type to filter, ↑/↓ to move, Enter to run, Esc to close. */
export function CommandPalette({ commands, onClose }: { commands: Command[]; onClose(): void }) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const results = useMemo(() => rank(commands.filter((c) => !c.disabled), query), [commands, query]);

  useEffect(() => input.current?.focus(), []);
  useEffect(() => setActive(0), [query]);
  useEffect(() => {
    list.current?.querySelector(`[data-index="${active}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const run = (c: Command | undefined) => {
    if (!c) return;
    onClose();
    c.run();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, results.length - 1));
    else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
    else if (e.key === 'Enter') run(results[active]);
    else if (e.key === 'Escape') onClose();
    else return;
    e.preventDefault();
    e.stopPropagation();
  };

  let lastGroup = '';
  return (
    <div className="palette-backdrop" onMouseDown={onClose} data-testid="command-palette-backdrop">
      <div className="palette" role="dialog" aria-label="Command palette" data-testid="command-palette" onMouseDown={(e) => e.stopPropagation()}>
        <input
          ref={input}
          className="palette-input"
          placeholder="Type a view, a collection or an action…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onKeyDown}
          data-testid="command-palette-input"
          aria-activedescendant={results[active] ? `cmd-${active}` : undefined}
        />
        <div className="palette-list" ref={list} role="listbox">
          {results.length === 0 && <div className="palette-empty">No match</div>}
          {results.map((c, i) => {
            const header = !query.trim() && c.group !== lastGroup ? c.group : null;
            lastGroup = c.group;
            return (
              <div key={c.id}>
                {header && <div className="palette-group">{header}</div>}
                <div
                  id={`cmd-${i}`}
                  role="option"
                  aria-selected={i === active}
                  data-index={i}
                  data-testid={`command-${c.id}`}
                  className={`palette-item${i === active ? ' active' : ''}`}
                  onMouseMove={() => setActive(i)}
                  onClick={() => run(c)}
                >
                  <span className="palette-title">{c.title}</span>
                  {c.detail && <span className="palette-detail">{c.detail}</span>}
                  {query.trim() && <span className="palette-tag">{c.group}</span>}
                  {c.hint && <kbd className="palette-hint">{c.hint}</kbd>}
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
