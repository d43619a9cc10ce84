import { FIM_TEMPLATES, fimTemplateFor, type FimFamily, type FimTemplate } from '../llm/fimTemplates';

/**
 * Training layouts for fill-in-the-middle, built from the same templates the completion prompt
 * uses at inference (llm/fimTemplates.ts), so the tokens and their order cannot drift apart.
 *
 * - PSM (prefix, suffix, middle) is the family's own prompt, exactly as `build(prefix, suffix)`
 *   lays it out, followed by the middle and the end token.
 * - SPM (suffix, prefix, middle) is the FIM paper's "variant 2" that StarCoder and its
 *   successors were trained with: `<PRE><SUF>suffix<MID>prefix` + middle. The prefix then runs
 *   straight into the middle, which is what makes SPM useful.
 * - A family whose own layout already puts the suffix first (Codestral) has no second layout to
 *   learn, so every FIM sample of it uses that layout and is counted as SPM.
 *
 * The end token is the template's first stop token: what a completion request halts on.
 */

export type FimForm = 'psm' | 'spm';

export interface FimLayout {
  family: FimFamily;
  /** Token text around the parts, as the family's template lays them out. */
  prefixToken: string;
  suffixToken: string;
  middleToken: string;
  eos: string;
  /** True when the family's own layout is suffix first. */
  suffixFirst: boolean;
  /** Every control token of the family (what the tokenizer must know as single tokens). */
  specialTokens: readonly string[];
  template: FimTemplate;
}

const P = '\u0000PREFIX\u0000';
const S = '\u0000SUFFIX\u0000';

export class UnknownFamilyError extends Error {}

/** The layout for a base model name (`qwen2.5-coder:1.5b-base`) or an explicit family. */
export function fimLayoutFor(options: { baseModel?: string; family?: FimFamily | string }): FimLayout {
  let template: FimTemplate | undefined;
  if (options.family) {
    template = (FIM_TEMPLATES as Record<string, FimTemplate | undefined>)[options.family];
    if (!template) throw new UnknownFamilyError(`Unknown FIM family "${options.family}". Use one of ${Object.keys(FIM_TEMPLATES).join(', ')}.`);
  } else {
    const model = options.baseModel ?? DEFAULT_BASE_MODEL;
    template = fimTemplateFor(model);
    if (!template) {
      throw new UnknownFamilyError(
        `Cannot tell which fill-in-the-middle tokens the base model "${model}" was trained with. ` +
          `Name a code model (qwen2.5-coder, codellama, deepseek-coder, starcoder2, codestral, codegemma) or set the family (${Object.keys(FIM_TEMPLATES).join(', ')}).`,
      );
    }
  }
  const laid = template.build(P, S);
  const p = laid.indexOf(P);
  const s = laid.indexOf(S);
  const suffixFirst = s < p;
  let prefixToken: string;
  let suffixToken: string;
  let middleToken: string;
  if (!suffixFirst) {
    prefixToken = laid.slice(0, p);
    suffixToken = laid.slice(p + P.length, s);
    middleToken = laid.slice(s + S.length);
  } else {
    suffixToken = laid.slice(0, s);
    prefixToken = laid.slice(s + S.length, p);
    middleToken = laid.slice(p + P.length);
  }
  return { family: template.name, prefixToken, suffixToken, middleToken, eos: template.stop[0], suffixFirst, specialTokens: template.specialTokens, template };
}

export const DEFAULT_BASE_MODEL = 'qwen2.5-coder:1.5b-base';

/** The prompt (everything the model sees before the middle) in the given form. */
export function fimPrompt(layout: FimLayout, prefix: string, suffix: string, form: FimForm): string {
  if (form === 'psm' || layout.suffixFirst) return layout.template.build(prefix, suffix);
  // Sentinels that carry layout spaces (Code Llama's "<PRE> ") lose the one between the two
  // leading sentinels, which have no text between them in this form.
  return `${layout.prefixToken.trimEnd()}${layout.suffixToken}${suffix}${layout.middleToken}${prefix}`;
}

/** The form a FIM sample ends up in (suffix-first families only have SPM). */
export function effectiveForm(layout: FimLayout, form: FimForm): FimForm {
  return layout.suffixFirst ? 'spm' : form;
}

/** True when `text` contains a control token of the family (it would confuse training). */
export function containsSpecialToken(layout: FimLayout, text: string): boolean {
  return layout.specialTokens.some((t) => t.length > 0 && text.includes(t));
}
