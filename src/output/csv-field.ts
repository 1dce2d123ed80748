// One CSV field (RFC 4180): quoted only when it holds a comma, quote or line break; empty for no value.

export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
