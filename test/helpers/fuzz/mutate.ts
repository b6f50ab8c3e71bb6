// A request that worked, changed in one or two places: the rest stays valid, so the change is what the daemon has
// to judge, deep in a handler rather than at its first check. Names are drawn afresh half the time, so a template
// that created something does not just meet ALREADY_EXISTS.
import protobuf from "protobufjs";
import { MESSAGE_BUDGET, randomField, type GenContext } from "./message-gen.js";
import { poolKey } from "./plausible.js";
import type { FuzzMessage } from "./wire.js";

export function mutateMessage(type: protobuf.Type, template: FuzzMessage, ctx: GenContext): FuzzMessage {
  ctx.budget = MESSAGE_BUDGET;
  const message = structuredClone(template);
  for (let changes = ctx.rng.int(1, 2); changes > 0; changes--) mutateOne(type, message, ctx, 0);
  renameSome(type, message, ctx);
  return message;
}

/** Replaces or drops one field, somewhere in the tree. */
function mutateOne(type: protobuf.Type, message: FuzzMessage, ctx: GenContext, depth: number): void {
  if (type.fieldsArray.length === 0) return;
  const field = ctx.rng.pick(type.fieldsArray);
  const value = message[field.name];
  if (field.resolvedType instanceof protobuf.Type && !field.repeated && !field.map && value !== undefined && ctx.rng.chance(0.6))
    return mutateOne(field.resolvedType, value as FuzzMessage, ctx, depth + 1);
  if (ctx.rng.chance(0.2)) delete message[field.name];
  else message[field.name] = randomField(type, field, ctx, depth);
}

function renameSome(type: protobuf.Type, message: FuzzMessage, ctx: GenContext): void {
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (field.resolvedType instanceof protobuf.Type && !field.repeated && !field.map && value !== undefined)
      renameSome(field.resolvedType, value as FuzzMessage, ctx);
    else if (field.type === "string" && !field.repeated && poolKey(type, field.name).endsWith("_name") && ctx.rng.chance(0.5))
      message[field.name] = ctx.plausible.string(type, field, ctx.rng, 0) ?? (value as string);
  }
}
