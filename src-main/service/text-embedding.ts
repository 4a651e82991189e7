import { InspectorError } from '../../shared/errors.js';
import type { TextEmbedChoice } from '../../shared/contract.js';
import type { TextEmbedding, TextFunctionInfo } from '../../shared/models.js';
import { describeTextFunction, embedText, type TextEmbedHost, type TextEmbedOptions } from '../engine/embed/text-embedder.js';
import { withTextsEmbedded } from '../engine/embed/query-texts.js';
import type { CatalogCollection } from '../engine/catalog/read-catalog.js';
import type { CallContext } from './dispatcher.js';
import type { PathPolicy } from './path-policy.js';
import type { ServerPolicy } from './server-policy.js';

type Collection = Pick<CatalogCollection, 'configJson' | 'schemaJson' | 'dimension'>;

/**
 * Query by text for one host, folder and server sources alike (the text is embedded here either
 * way). What a client may ask for follows the host's trust: the desktop app and a serve that
 * listens on loopback only (the person at this machine) may download a model from a URL and use
 * the environment's API keys; a serve reachable from elsewhere does neither, and a model folder a
 * client names must be inside its roots like any other path.
 */
export class TextEmbeddingService {
  private readonly host: TextEmbedHost;
  private readonly local: boolean;

  constructor(
    private readonly paths: PathPolicy,
    servers: ServerPolicy,
  ) {
    this.local = servers.allowed === null;
    this.host = { environmentKeys: this.local };
  }

  describe(c: Collection, choice: TextEmbedChoice | undefined): TextFunctionInfo {
    return describeTextFunction(c, this.options(choice), this.host);
  }

  embed(c: Collection, text: string, choice: TextEmbedChoice | undefined, ctx: CallContext): Promise<TextEmbedding> {
    return embedText(c, text, this.options(choice), this.host, ctx.signal, (done, total, message) => ctx.progress({ done, total, message }));
  }

  /** A query's (or why-not's) `queryTexts` embedded into `queryEmbeddings`. */
  queryArgs(c: Collection, args: unknown, choice: TextEmbedChoice | undefined, ctx: CallContext): Promise<unknown> {
    return withTextsEmbedded(args, async (text) => (await this.embed(c, text, choice, ctx)).vector);
  }

  private options(choice: TextEmbedChoice | undefined): TextEmbedOptions {
    if (!choice) return {};
    if (choice.modelUrl && !this.local) {
      throw new InspectorError('UNAUTHORIZED', 'This server does not download models for its clients (it is reachable beyond this machine): put the model in a folder it may read, or query with a vector');
    }
    return {
      function: choice.function ?? 'recorded',
      ...(choice.modelDir ? { modelDir: this.paths.allow(choice.modelDir) } : {}),
      ...(choice.modelUrl ? { modelUrl: choice.modelUrl } : {}),
      ...(choice.apiKey ? { apiKey: choice.apiKey } : {}),
    };
  }
}
