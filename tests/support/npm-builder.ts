// The npm `flatbuffers` Builder behind the interface of the generated runtime's Builder, so the
// generated writers can run over either: the runtime's Builder must write the same bytes as the
// reference runtime (tests/emit-ts.test.ts), apart from -0 for a default of 0, which it keeps.
import * as flatbuffers from 'flatbuffers';

export class NpmBuilder {
  private readonly b = new flatbuffers.Builder(16);

  offset(): number {
    return this.b.offset();
  }
  prep(size: number, additional: number): void {
    this.b.prep(size, additional);
  }
  pad(n: number): void {
    this.b.pad(n);
  }
  writeInt8(v: number): void {
    this.b.writeInt8(v);
  }
  writeInt16(v: number): void {
    this.b.writeInt16(v);
  }
  writeInt32(v: number): void {
    this.b.writeInt32(v);
  }
  writeInt64(v: bigint): void {
    this.b.writeInt64(v);
  }
  writeFloat32(v: number): void {
    this.b.writeFloat32(v);
  }
  writeFloat64(v: number): void {
    this.b.writeFloat64(v);
  }
  addOffset(o: number): void {
    this.b.addOffset(o);
  }
  startObject(slots: number): void {
    this.b.startObject(slots);
  }
  // The npm Builder's field methods skip a value equal to the default (null never is).
  addFieldInt8(slot: number, v: number, d: number | null): void {
    this.b.addFieldInt8(slot, v, d as number);
  }
  addFieldInt16(slot: number, v: number, d: number | null): void {
    this.b.addFieldInt16(slot, v, d as number);
  }
  addFieldInt32(slot: number, v: number, d: number | null): void {
    this.b.addFieldInt32(slot, v, d as number);
  }
  addFieldInt64(slot: number, v: bigint, d: bigint | null): void {
    this.b.addFieldInt64(slot, v, d as bigint);
  }
  addFieldFloat32(slot: number, v: number, d: number | null): void {
    this.b.addFieldFloat32(slot, v, d as number);
  }
  addFieldFloat64(slot: number, v: number, d: number | null): void {
    this.b.addFieldFloat64(slot, v, d as number);
  }
  addFieldOffset(slot: number, o: number): void {
    this.b.addFieldOffset(slot, o, 0);
  }
  addFieldStruct(slot: number, o: number): void {
    this.b.addFieldStruct(slot, o, 0);
  }
  endObject(): number {
    return this.b.endObject();
  }
  startVector(size: number, length: number, align: number): void {
    this.b.startVector(size, length, align);
  }
  endVector(): number {
    return this.b.endVector();
  }
  createString(s: string): number {
    return this.b.createString(s);
  }
  createByteVector(v: Uint8Array): number {
    return this.b.createByteVector(v);
  }
  finish(root: number, identifier: string | undefined): void {
    this.b.finish(root, identifier);
  }
  finished(): Uint8Array {
    return this.b.asUint8Array();
  }
}
