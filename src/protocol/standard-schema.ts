/**
 * Typed events: the Standard Schema v1 interface (https://standardschema.dev), declared here so that any
 * compatible validator (zod ≥ 3.24, valibot ≥ 1, ArkType…) plugs in without a runtime dependency, and the
 * validation both ends share — the server before it encodes, the client after it parses.
 * @module
 */
import { HotlineError } from '../errors.js';

/** A validator that follows Standard Schema v1: all Hotline reads is its `~standard` property. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaProps<Input, Output>;
}

/** The `~standard` property of a {@link StandardSchemaV1}. */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  /** Validates a value; may answer asynchronously. */
  readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
  /** Present only for type inference. */
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

/** What `validate` answers: the (possibly transformed) value, or the issues. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardIssue[] };

/** One validation issue. */
export interface StandardIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** The type a schema accepts (what a server sends). */
export type InferInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input'];
/** The type a schema produces (what a client receives). */
export type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];

/** One schema per event type, e.g. `{ price: PriceSchema, goal: GoalSchema }`; `message` is the untyped default. */
export type EventSchemas = Readonly<Record<string, StandardSchemaV1>>;

/** Data that did not match the schema of its event type, or an event type with no schema. */
export class SchemaError extends HotlineError {
  /** The event type whose schema was applied (or missing). */
  readonly eventType: string;
  /** The validator's issues; empty when the type has no schema or validation was asynchronous. */
  readonly issues: readonly StandardIssue[];

  constructor(
    eventType: string,
    issues: readonly StandardIssue[],
    options: { code?: 'HOTLINE_SCHEMA_MISMATCH' | 'HOTLINE_SCHEMA_ASYNC'; message?: string; cause?: unknown } = {},
  ) {
    const summary = issues.map((issue) => issue.message).join('; ');
    super(
      options.code ?? 'HOTLINE_SCHEMA_MISMATCH',
      options.message ?? `"${eventType}" data does not match its schema${summary === '' ? '' : `: ${summary}`}`,
      { cause: options.cause },
    );
    this.name = 'SchemaError';
    this.eventType = eventType;
    this.issues = issues;
  }
}

/**
 * Validates `data` of an event of `type` against `schemas`: the output value, a {@link SchemaError}, or a
 * promise of either when the schema is asynchronous. Never throws for a mismatch (a validator that throws
 * is wrapped as `cause`).
 */
export function validateEvent(
  schemas: EventSchemas,
  type: string,
  data: unknown,
): { value: unknown } | SchemaError | Promise<{ value: unknown } | SchemaError> {
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (schema === undefined) return new SchemaError(type, [], { message: `no schema for event type "${type}"` });
  const settle = (result: StandardResult<unknown>) =>
    result.issues === undefined ? { value: result.value } : new SchemaError(type, result.issues);
  const failed = (cause: unknown) => new SchemaError(type, [], { message: `the schema of "${type}" threw`, cause });
  try {
    const result = schema['~standard'].validate(data);
    return result instanceof Promise ? result.then(settle, failed) : settle(result);
  } catch (cause) {
    return failed(cause);
  }
}

/**
 * The synchronous check of a sending end (`send`, `broadcast`), which returns the data to encode. Typed
 * streams carry JSON, so a string is sent quoted (the receiving end parses every typed event as JSON).
 * Throws a {@link SchemaError} when `data` does not match, or when the schema answers asynchronously (the
 * sender cannot wait without losing order).
 */
export function typedEventData(schemas: EventSchemas, type: string, data: unknown): unknown {
  const checked = validateEvent(schemas, type, data);
  if (checked instanceof Promise) {
    // An unobserved rejection would crash the process; the answer is not needed any more.
    checked.catch(() => {});
    throw new SchemaError(type, [], {
      code: 'HOTLINE_SCHEMA_ASYNC',
      message: `the schema of "${type}" is asynchronous; send() and broadcast() validate synchronously`,
    });
  }
  if (checked instanceof SchemaError) throw checked;
  return typeof data === 'string' ? JSON.stringify(data) : data;
}
