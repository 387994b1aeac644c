/** Just enough of OpenAPI 3.0 to check the document the app serves against what it does. */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  additionalProperties?: boolean | Schema;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, { description?: string; schema: Schema }>;
  content?: Record<string, { schema: Schema }>;
}

export interface Operation {
  summary?: string;
  description?: string;
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema: Schema }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, ResponseObject>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; license?: { name: string } };
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    securitySchemes: Record<string, { type: string; scheme?: string }>;
  };
}

export interface OperationEntry {
  /** `GET /api/appointments/{id}` */
  name: string;
  method: string;
  path: string;
  operation: Operation;
}

export function operationsOf(doc: OpenApiDocument): OperationEntry[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      name: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path,
      operation,
    })),
  );
}

export function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  if (!schema.$ref) {
    return schema;
  }
  const name = schema.$ref.replace('#/components/schemas/', '');
  const found = doc.components.schemas[name];
  if (!found) {
    throw new Error(`No schema ${name}`);
  }
  return found;
}

/** The error codes a documented error response may carry (its `code` enum). */
export function documentedCodes(response: ResponseObject | undefined): string[] {
  const schema = response?.content?.['application/json']?.schema;
  const code = schema?.allOf?.[1]?.properties?.code;
  return (code?.enum as string[] | undefined) ?? [];
}

/**
 * Where `value` differs from `schema`: missing required fields, fields the schema does not
 * name, and values of the wrong type, each as `path: problem`. Empty when it conforms.
 */
export function mismatches(
  doc: OpenApiDocument,
  schema: Schema,
  value: unknown,
  at = 'body',
): string[] {
  const s = resolve(doc, schema);
  // A nullable reference is written `{allOf: [{$ref}], nullable: true}` in OpenAPI 3.0.
  if (value === null && s.nullable) {
    return [];
  }
  if (s.allOf) {
    return mismatches(doc, mergeAllOf(doc, s.allOf), value, at);
  }
  if (value === null) {
    return s.nullable ? [] : [`${at}: null but not nullable`];
  }
  if (s.enum && !s.enum.includes(value)) {
    return [`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`];
  }
  switch (s.type) {
    case 'string':
      if (typeof value !== 'string') {
        return [`${at}: ${typeof value}, documented as a string`];
      }
      if (s.format === 'date-time' && Number.isNaN(Date.parse(value))) {
        return [`${at}: not a date-time`];
      }
      return [];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at}: not an integer`];
    case 'number':
      return typeof value === 'number' ? [] : [`${at}: not a number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at}: not a boolean`];
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((item, i) => mismatches(doc, s.items ?? {}, item, `${at}[${i}]`))
        : [`${at}: not an array`];
    case 'object':
    case undefined:
      return objectMismatches(doc, s, value, at);
    default:
      return [`${at}: unchecked type ${s.type}`];
  }
}

function objectMismatches(doc: OpenApiDocument, s: Schema, value: unknown, at: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`${at}: not an object`];
  }
  if (!s.properties) {
    return [];
  }
  const record = value as Record<string, unknown>;
  const problems = (s.required ?? [])
    .filter((key) => !(key in record))
    .map((key) => `${at}.${key}: missing`);
  for (const [key, field] of Object.entries(record)) {
    const property = s.properties[key];
    if (!property) {
      problems.push(`${at}.${key}: not documented`);
    } else {
      problems.push(...mismatches(doc, property, field, `${at}.${key}`));
    }
  }
  return problems;
}

/** The parts of an allOf as one object schema; a later part's property refines an earlier one's. */
function mergeAllOf(doc: OpenApiDocument, parts: Schema[]): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const part of parts.map((p) => resolve(doc, p))) {
    for (const [key, property] of Object.entries(part.properties ?? {})) {
      properties[key] = { ...properties[key], ...resolve(doc, property) };
    }
    required.push(...(part.required ?? []));
  }
  return { type: 'object', properties, required };
}
