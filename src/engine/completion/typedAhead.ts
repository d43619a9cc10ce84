/**
 * Typing what was predicted: when the user types the first characters of a suggestion (in
 * flight or already shown), the rest of it is still the model's answer for the new cursor
 * position, so it is served without asking the model again.
 */
import type { CompletionSpot } from './completionCache';

/**
 * What the user typed since the generation's spot, when the document only grew at the cursor
 * (same file and model, same text after the cursor); undefined otherwise.
 */
export function typedSince(generation: CompletionSpot, now: CompletionSpot): string | undefined {
  if (generation.file !== now.file || generation.model !== now.model) return undefined;
  if (now.before.length < generation.before.length || now.after !== generation.after) return undefined;
  if (!now.before.startsWith(generation.before)) return undefined;
  return now.before.slice(generation.before.length);
}

/**
 * The part of `suggestion` (made at `generation`'s spot) still to show at `now`, when the user
 * typed exactly a prefix of it; undefined when they typed something else or all of it.
 */
export function typedAheadRemainder(generation: CompletionSpot, suggestion: string, now: CompletionSpot): string | undefined {
  const typed = typedSince(generation, now);
  if (typed === undefined) return undefined;
  return remainderAfter(suggestion, typed);
}

/** `suggestion` without `typed`, when `typed` is a strict prefix of it. */
export function remainderAfter(suggestion: string, typed: string): string | undefined {
  if (typed.length >= suggestion.length || !suggestion.startsWith(typed)) return undefined;
  return suggestion.slice(typed.length);
}
