// A span of time in words for people: milliseconds, seconds, minutes, hours or days.

export function durationText(sec: number): string {
  // A flood over in 23 ms was once "0 s".
  if (sec < 1) return `${Math.round(sec * 1000)} ms`;
  if (sec < 120) return `${Math.round(sec)} s`;
  if (sec < 7200) return `${Math.round(sec / 60)} min`;
  if (sec < 172800) return `${(sec / 3600).toFixed(1)} h`;
  return `${(sec / 86400).toFixed(1)} days`;
}
