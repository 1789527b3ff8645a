import type { EnumDef } from '../../ir/model.js';
import type { FieldPlan, ScalarKind, ValuePlan } from '../../codegen/plan.js';
import type { ModuleScope } from './scope.js';

/** TypeScript types of values, and the runtime's scalar kind names. */

export const isBig = (s: ScalarKind): boolean => s === 'i64' || s === 'u64';

/** 64-bit enums are printed as a const object of bigints, the others as a TS `enum`. */
export const isBigEnum = (e: EnumDef): boolean => {
  const b = e.underlying.base;
  return b === 'Long' || b === 'ULong';
};

/** The runtime's kind for a scalar read or write (`bool` is read as `u8`). */
export function numKind(s: ScalarKind): string {
  return s === 'bool' ? "'u8'" : `'${s}'`;
}

export function scalarType(s: ScalarKind): string {
  if (s === 'bool') return 'boolean';
  return isBig(s) ? 'bigint' : 'number';
}

/** The type of one value (a field's value, or an element of a vector or array). */
export function valueType(scope: ModuleScope, v: ValuePlan): string {
  switch (v.kind) {
    case 'scalar':
      return scalarType(v.scalar);
    case 'enum': {
      const d = scope.decl(v.enumDef.name);
      return scope.ref(d, d.type);
    }
    case 'string':
      return 'string';
    case 'struct':
    case 'table': {
      const d = scope.decl(v.object.name);
      return scope.ref(d, d.type);
    }
    case 'union': {
      const d = scope.decl(v.enumDef.name);
      return scope.ref(d, d.type);
    }
    case 'vector':
      if (v.element.kind === 'scalar' && v.element.scalar === 'u8') return 'Uint8Array';
      return `${valueType(scope, v.element)}[]`;
    case 'array':
      return `${valueType(scope, v.element)}[]`;
  }
}

/** Whether a table field reads as `null` when absent. */
export function isNullable(f: FieldPlan): boolean {
  if (f.value.kind === 'scalar' || f.value.kind === 'enum') return f.optionalScalar;
  if (f.required) return false;
  const d = f.field.default.kind;
  return d !== 'string' && d !== 'emptyVector';
}

export function fieldType(scope: ModuleScope, f: FieldPlan): string {
  const t = valueType(scope, f.value);
  return isNullable(f) ? `${t} | null` : t;
}

/**
 * The type of one value as the encoders take it: tables and unions as their `…Init` input types,
 * vectors as readonly arrays (a decoded value is one too).
 */
export function valueInitType(scope: ModuleScope, v: ValuePlan): string {
  switch (v.kind) {
    case 'table':
    case 'union': {
      const d = scope.decl(v.kind === 'table' ? v.object.name : v.enumDef.name);
      return scope.ref(d, d.init);
    }
    case 'vector':
      if (v.element.kind === 'scalar' && v.element.scalar === 'u8') return 'Uint8Array';
      return `readonly ${valueInitType(scope, v.element)}[]`;
    default:
      return valueType(scope, v);
  }
}

/**
 * A table field of the input type: only `(required)` fields must be given; a field with a default
 * (scalars, defaulted strings and vectors) or an optional one may be left out, or be null where
 * null means absent (everything but the scalars with a default).
 */
export function fieldInitType(scope: ModuleScope, f: FieldPlan): { readonly optional: boolean; readonly type: string } {
  const t = valueInitType(scope, f.value);
  if (f.required) return { optional: false, type: t };
  const scalar = f.value.kind === 'scalar' || f.value.kind === 'enum';
  return { optional: true, type: !scalar || f.optionalScalar ? `${t} | null` : t };
}
