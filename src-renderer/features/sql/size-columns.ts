export interface SqlColumn {
  name: string;
  size: number;
}

/** Column widths from the header and the first page of values (≈7px a character, capped). */
export function sizeColumns(names: string[], rows: unknown[][], min = 70, max = 360): SqlColumn[] {
  return names.map((name, i) => {
    let chars = name.length + 2;
    for (const row of rows.slice(0, 100)) {
      const v = row[i];
      const len = v === null || v === undefined ? 4 : typeof v === 'string' ? v.length : typeof v === 'number' ? String(v).length : 24;
      if (len > chars) chars = len;
    }
    return { name, size: Math.max(min, Math.min(max, Math.round(chars * 7.2 + 20))) };
  });
}
