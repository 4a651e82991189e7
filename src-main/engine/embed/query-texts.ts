import { InspectorError } from '../../../shared/errors.js';

/**
 * A query's `queryTexts` replaced by their vectors, as the chromadb client does before it sends a
 * query (it embeds them with the collection's function). Other arguments pass through untouched.
 */
export async function withTextsEmbedded(args: unknown, embed: (text: string) => Promise<number[]>): Promise<unknown> {
  if (typeof args !== 'object' || args === null || Array.isArray(args) || !('queryTexts' in args)) return args;
  const { queryTexts, ...rest } = args as Record<string, unknown>;
  if (queryTexts === undefined) return rest;
  if ('queryEmbeddings' in rest && rest.queryEmbeddings !== undefined) {
    throw new InspectorError('INVALID_ARGUMENT', 'Give queryEmbeddings or queryTexts, not both');
  }
  const texts = typeof queryTexts === 'string' ? [queryTexts] : queryTexts;
  if (!Array.isArray(texts) || texts.length === 0 || !texts.every((t) => typeof t === 'string')) {
    throw new InspectorError('INVALID_ARGUMENT', 'queryTexts must be a text or a non-empty list of texts');
  }
  const queryEmbeddings: number[][] = [];
  for (const text of texts as string[]) queryEmbeddings.push(await embed(text));
  return { ...rest, queryEmbeddings };
}
