import { isLosslessNumber, stringify, type LosslessNumber } from 'lossless-json';
import type { Json } from './filter-to-json.js';

/** Filter JSON text as shown in the editor (2-space, floats keep `.0`). */
export function jsonText(value: Json | undefined): string {
  return value === undefined ? '' : (stringify(value, null, 2) ?? '');
}

type Style = 'python' | 'js';

/** A Python literal: dicts/lists, True/False/None, JSON-escaped strings (valid Python). */
export const pythonLiteral = (value: Json, indent = 0) => literal(value, 'python', indent);

/** A JS literal: unquoted identifier keys (`$and`, `age`), quoted otherwise. */
export const jsLiteral = (value: Json, indent = 0) => literal(value, 'js', indent);

const WIDTH = 72;

/** On one line when it fits in WIDTH at this indent, else one item per line. */
function literal(value: Json, style: Style, indent: number): string {
  const compact = oneLine(value, style);
  if (compact.length + indent * unit(style).length <= WIDTH || typeof value !== 'object' || value === null || isLosslessNumber(value)) return compact;
  const pad = unit(style);
  const inner = pad.repeat(indent + 1);
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + literal(v, style, indent + 1)).join(',\n')},\n${pad.repeat(indent)}]`;
  const entries = Object.entries(value as Record<string, Json>);
  return `{\n${entries.map(([k, v]) => `${inner}${key(k, style)}: ${literal(v, style, indent + 1)}`).join(',\n')},\n${pad.repeat(indent)}}`;
}

function oneLine(value: Json, style: Style): string {
  if (value === null) return style === 'python' ? 'None' : 'null';
  if (typeof value === 'boolean') return style === 'python' ? (value ? 'True' : 'False') : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (isLosslessNumber(value)) return (value as LosslessNumber).value;
  if (Array.isArray(value)) return `[${value.map((v) => oneLine(v, style)).join(', ')}]`;
  const entries = Object.entries(value as Record<string, Json>);
  return `{${entries.map(([k, v]) => `${key(k, style)}: ${oneLine(v, style)}`).join(', ')}}`;
}

const unit = (style: Style) => (style === 'python' ? '    ' : '  ');
const key = (k: string, style: Style) => (style === 'js' && /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));

export interface SnippetInput {
  where?: Json;
  whereDocument?: Json;
}

/** `collection.get(where=…, where_document=…)` for the Python client. */
export function pythonGetSnippet({ where, whereDocument }: SnippetInput): string {
  const args: string[] = [];
  if (where !== undefined) args.push(`where=${pythonLiteral(where, 1)}`);
  if (whereDocument !== undefined) args.push(`where_document=${pythonLiteral(whereDocument, 1)}`);
  if (args.length === 0) return 'collection.get()';
  return `collection.get(\n${args.map((a) => `    ${a},`).join('\n')}\n)`;
}

/** `await collection.get({ where, whereDocument })` for the JS client. */
export function jsGetSnippet({ where, whereDocument }: SnippetInput): string {
  const props: string[] = [];
  if (where !== undefined) props.push(`where: ${jsLiteral(where, 1)}`);
  if (whereDocument !== undefined) props.push(`whereDocument: ${jsLiteral(whereDocument, 1)}`);
  if (props.length === 0) return 'await collection.get();';
  return `await collection.get({\n${props.map((p) => `  ${p},`).join('\n')}\n});`;
}

export interface QuerySnippetInput extends SnippetInput {
  embedding: number[];
  nResults: number;
  /** A query by text: the client embeds it with the collection's function, so the snippet passes the text. */
  text?: string;
}

/** Short, float32-faithful numbers; long vectors elided (the snippet is a template). */
const vectorText = (v: number[], max = 6) => `[${v.slice(0, max).map((x) => String(Number(x.toPrecision(7)))).join(', ')}${v.length > max ? ', ...' : ''}]`;

/** `collection.query(query_embeddings=[…], n_results=k, …)`; long vectors are elided. */
export function pythonQuerySnippet({ embedding, nResults, where, whereDocument, text }: QuerySnippetInput): string {
  const args = [text !== undefined ? `query_texts=[${JSON.stringify(text)}]` : `query_embeddings=[${vectorText(embedding)}]`, `n_results=${nResults}`];
  if (where !== undefined) args.push(`where=${pythonLiteral(where, 1)}`);
  if (whereDocument !== undefined) args.push(`where_document=${pythonLiteral(whereDocument, 1)}`);
  args.push('include=["documents", "metadatas", "distances"]');
  return `collection.query(\n${args.map((a) => `    ${a},`).join('\n')}\n)`;
}

export function jsQuerySnippet({ embedding, nResults, where, whereDocument, text }: QuerySnippetInput): string {
  const props = [text !== undefined ? `queryTexts: [${JSON.stringify(text)}]` : `queryEmbeddings: [${vectorText(embedding)}]`, `nResults: ${nResults}`];
  if (where !== undefined) props.push(`where: ${jsLiteral(where, 1)}`);
  if (whereDocument !== undefined) props.push(`whereDocument: ${jsLiteral(whereDocument, 1)}`);
  props.push('include: ["documents", "metadatas", "distances"]');
  return `await collection.query({\n${props.map((p) => `  ${p},`).join('\n')}\n});`;
}
