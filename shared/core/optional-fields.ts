/**
 * zod's `.optional()` in a tool's input, under strict function calling: strict mode needs every
 * property required, so an optional field is sent as a required property that may be `null`,
 * and a `null` the model sends for it is read back as "absent" before the tool's zod input parses
 * the arguments. Pure JSON Schema work on zod's own output: no zod internals.
 */

type Schema = Record<string, unknown>;

const SCALARS = new Set(["string", "number", "integer", "boolean"]);

/** Keywords whose values are data (a literal, a default), never schemas. */
const DATA = new Set(["const", "enum", "default", "examples"]);

const isObject = (value: unknown): value is Schema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether `schema` itself accepts `null` (a `.nullable()` or `.nullish()` field). */
function allowsNull(schema: Schema): boolean {
  const { type, anyOf, oneOf, enum: values } = schema;
  if (type === "null" || (Array.isArray(type) && type.includes("null"))) return true;
  if ("const" in schema && schema.const === null) return true;
  if (Array.isArray(values) && values.includes(null)) return true;
  return [anyOf, oneOf].some(
    (branches) => Array.isArray(branches) && branches.some((b) => isObject(b) && allowsNull(b)),
  );
}

/** `schema`, accepting `null` too, in the shape zod gives a `.nullable()` field. */
function orNull(schema: Schema): Schema {
  if (allowsNull(schema)) return schema;
  const { type } = schema;
  if (typeof type === "string" && SCALARS.has(type) && !("enum" in schema || "const" in schema)) {
    return { ...schema, type: [type, "null"] };
  }
  // The description stays where the model reads a field's description: on the field.
  const { description, ...rest } = schema;
  return {
    anyOf: [rest, { type: "null" }],
    ...(description === undefined ? {} : { description }),
  };
}

/**
 * The strict form of zod's JSON Schema for a tool input: in every object, at any depth, each
 * property left out of `required` (a `.optional()` field) becomes required and nullable. Fields
 * already nullable only become required.
 *
 * @example
 * strictOptionals({ type: "object", properties: { note: { type: "string" } }, required: [] });
 * // { type: "object", properties: { note: { type: ["string", "null"] } }, required: ["note"] }
 */
export function strictOptionals(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictOptionals);
  if (!isObject(node)) return node;
  const out: Schema = {};
  for (const [key, child] of Object.entries(node)) {
    if (DATA.has(key)) {
      out[key] = child;
    } else if ((key === "properties" || key === "$defs") && isObject(child)) {
      // Maps from names to schemas: each value is a schema, whatever its name.
      out[key] = Object.fromEntries(Object.entries(child).map(([k, v]) => [k, strictOptionals(v)]));
    } else {
      out[key] = strictOptionals(child);
    }
  }
  const properties = out.properties;
  if (node.type === "object" && isObject(properties)) {
    const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
    for (const [name, field] of Object.entries(properties)) {
      if (!required.has(name) && isObject(field)) properties[name] = orNull(field);
    }
    if (Object.keys(properties).length > 0) out.required = Object.keys(properties);
  }
  return out;
}

/**
 * `value` (the arguments a model sent) with every `null` given for an optional, non-nullable
 * field of `schema` (zod's JSON Schema, before `strictOptionals`) removed, at any depth: the
 * tool's zod input then reads the field as absent. Everything else is left as it is, so the zod
 * input still refuses what it should. `value` is not changed.
 *
 * @example
 * absentForNull(schema, { title: "Fix it", note: null }); // { title: "Fix it" }
 */
export function absentForNull(schema: Schema, value: unknown): unknown {
  return clean(schema, schema, value);
}

function clean(root: Schema, node: unknown, value: unknown): unknown {
  if (!isObject(node) || value === null || typeof value !== "object") return value;
  const schema = resolve(root, node);
  let out: unknown = value;
  if (Array.isArray(out)) {
    const { items, prefixItems } = schema;
    out = out.map((element, i) =>
      clean(
        root,
        Array.isArray(prefixItems) && i < prefixItems.length ? prefixItems[i] : items,
        element,
      ),
    );
  } else if (isObject(schema.properties)) {
    out = cleanObject(root, schema, out as Schema);
  }
  for (const key of ["anyOf", "oneOf", "allOf"] as const) {
    const branches = schema[key];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches) {
      if (key === "allOf" || fits(root, branch, out)) out = clean(root, branch, out);
    }
  }
  return out;
}

function cleanObject(root: Schema, schema: Schema, value: Schema): Schema {
  const properties = schema.properties as Schema;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const out: Schema = {};
  for (const [name, field] of Object.entries(value)) {
    const property = properties[name];
    if (!Object.hasOwn(properties, name) || !isObject(property)) {
      out[name] = field;
    } else if (field === null && !required.has(name) && !allowsNull(resolve(root, property))) {
      // A strict model's way of leaving the field out: absent.
    } else {
      out[name] = clean(root, property, field);
    }
  }
  return out;
}

/**
 * Whether a union's branch may be the one `value` took: a branch whose `const` properties (a
 * discriminated union's tag) differ from the value's is not, so its fields are left alone.
 */
function fits(root: Schema, branch: unknown, value: unknown): boolean {
  if (!isObject(branch)) return false;
  const { properties } = resolve(root, branch);
  if (!isObject(properties) || !isObject(value)) return true;
  return Object.entries(properties).every(
    ([name, field]) => !(isObject(field) && "const" in field) || field.const === value[name],
  );
}

/** A `$ref` of zod's output (`#` for a recursive input, `#/$defs/<name>`), resolved. */
function resolve(root: Schema, node: Schema): Schema {
  const ref = node.$ref;
  if (typeof ref !== "string") return node;
  if (ref === "#") return root;
  const name = ref.startsWith("#/$defs/") ? ref.slice("#/$defs/".length) : undefined;
  const defs = root.$defs;
  const target = name !== undefined && isObject(defs) ? defs[name] : undefined;
  return isObject(target) ? target : node;
}
