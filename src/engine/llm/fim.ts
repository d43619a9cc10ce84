/**
 * Fill in the middle through `/api/generate`: with the model's own template when it has the
 * `insert` capability (`prompt` + `suffix`), else with `raw: true` and the family's FIM tokens.
 */
import type { AnswerStream } from './answerStream';
import { fimTemplateFor, type FimTemplate } from './fimTemplates';
import type { ModelInfo } from './modelInfo';
import { OllamaError, type GenerateRequest, type GenerationOptions, type OllamaClient } from './ollamaClient';
import { modelMissingError } from './ollamaError';

export interface FimRequest extends GenerationOptions {
  model: string;
  /** The text before the cursor (repository context and conventions already in front of it). */
  prefix: string;
  /** The text after the cursor. */
  suffix: string;
}

export interface FimPlan {
  /** `insert`: Ollama applies the model's template to prompt + suffix. `raw`: we send the FIM tokens. */
  mode: 'insert' | 'raw';
  /** The family's layout: the one sent in raw mode; in insert mode known only when the name or family says. */
  template?: FimTemplate;
  /** Control tokens that may leak into the text and should be stripped (empty when the family is unknown). */
  specialTokens: readonly string[];
  request: GenerateRequest;
}

export interface FimCompletion {
  plan: FimPlan;
  /** The middle, streamed; see {@link AnswerStream} (its `summary.truncated` says it hit numPredict). */
  stream: AnswerStream;
}

const SETTING = 'inhouse.completion.model';

/**
 * How to ask `info`'s model to fill in the middle. Pure. An empty suffix goes raw when the
 * family is known: Ollama's templates take their FIM branch only for a non-empty suffix (qwen2.5-coder's
 * would otherwise wrap the prefix as a chat message); when it is unknown, the suffix becomes a newline.
 */
export function planFim(req: FimRequest, info: ModelInfo): FimPlan {
  const caps = info.capabilities;
  const template = fimTemplateFor(req.model, info);
  const options: GenerationOptions = {
    numCtx: req.numCtx,
    numPredict: req.numPredict,
    keepAlive: req.keepAlive,
    temperature: req.temperature,
    stop: mergeStops(template?.stop ?? [], req.stop ?? []),
  };
  if (!caps.includes('completion') && !caps.includes('insert')) {
    throw new OllamaError(
      `The model ${req.model} cannot generate text (it can: ${caps.join(', ') || 'nothing InHouse uses'}). Set ${SETTING} to a code model such as qwen2.5-coder:1.5b-base.`,
      'unsupported',
    );
  }
  if (caps.includes('insert') && (req.suffix !== '' || !template)) {
    return {
      mode: 'insert',
      template,
      specialTokens: template?.specialTokens ?? [],
      request: { model: req.model, prompt: req.prefix, suffix: req.suffix === '' ? '\n' : req.suffix, ...options },
    };
  }
  if (!template) {
    throw new OllamaError(
      `The model ${req.model} cannot fill in the middle: it lacks the insert capability and InHouse knows no fill-in-the-middle layout for its family (${info.family || 'unknown'}). Set ${SETTING} to a code model such as qwen2.5-coder:1.5b-base.`,
      'unsupported',
    );
  }
  return {
    mode: 'raw',
    template,
    specialTokens: template.specialTokens,
    request: { model: req.model, prompt: template.build(req.prefix, req.suffix), raw: true, ...options },
  };
}

/**
 * Fills in the middle: learns the model's capabilities (cached by the client), plans the
 * request, and starts streaming it. Throws 'model-missing' naming inhouse.completion.model,
 * 'unsupported' for a model that cannot; failures of the answer itself surface while reading
 * the stream.
 */
export async function complete(client: OllamaClient, req: FimRequest, signal?: AbortSignal): Promise<FimCompletion> {
  let info: ModelInfo;
  try {
    info = await client.modelInfo(req.model, signal);
  } catch (err) {
    if (err instanceof OllamaError && err.kind === 'model-missing') throw modelMissingError(client.host, req.model, SETTING);
    throw err;
  }
  const plan = planFim(req, info);
  return { plan, stream: client.generateStream(plan.request, signal) };
}

function mergeStops(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b].filter((s) => s !== ''))];
}
