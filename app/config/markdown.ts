/**
 * Text from the org's files shown in a check run's markdown. A pull request's author writes it, so it may not add
 * links, images, mentions or HTML to what the check run shows. Pure.
 */

/** GitHub refuses a check run whose output summary or text is longer than this. */
export const MAX_CHECK_TEXT = 65_535;

// C0/C1 controls, DEL and the bidirectional overrides: never shown as they are.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to remove them
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** One line of plain text: controls become spaces, markdown's punctuation is backslash-escaped. */
export function escapeMarkdown(value: string, max = 200): string {
  const flat = value.replace(CONTROLS, " ");
  const short = flat.length > max ? `${flat.slice(0, max)}…` : flat;
  return short.replace(/[\\`*_{}[\]()<>#+!|~&@:]/g, (c) => `\\${c}`);
}

/** A value in a code span: a span cannot be closed from inside, so backticks and controls are dropped. */
export function codeSpan(value: string, max = 100): string {
  const flat = value.replace(CONTROLS, " ").replace(/`/g, "'");
  return `\`${flat.length > max ? `${flat.slice(0, max)}…` : flat}\``;
}

/** Text cut to at most `max` characters, with a note saying so. */
export function capText(text: string, max = MAX_CHECK_TEXT): string {
  if (text.length <= max) return text;
  const note = "\n\n… (cut: the full text is longer than a check run can show)";
  return `${text.slice(0, max - note.length)}${note}`;
}
