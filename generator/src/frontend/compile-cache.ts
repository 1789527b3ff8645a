import { readFileSync, statSync } from 'node:fs';
import { compileFile, type CompileResult } from './compile.js';
import { ParseCache } from './parse-cache.js';

interface Entry {
  readonly key: string;
  readonly result: CompileResult;
}

/**
 * Compile results kept across runs by a long-running generator (watch mode, the in-process API),
 * by main file. A result is reused only when nothing it was computed from changed: the text of
 * every file it read (main file and includes, compared in full), every include candidate it found
 * empty still empty (else an include would resolve elsewhere), the same options and working
 * directory (diagnostics name paths relative to it). Otherwise the file is compiled again, with
 * parses of its unchanged files reused (ParseCache).
 */
export class CompileCache {
  readonly parses = new ParseCache();
  private readonly entries = new Map<string, Entry>();

  compile(file: string, includePaths: readonly string[]): CompileResult {
    const key = JSON.stringify([process.cwd(), file, includePaths]);
    const hit = this.entries.get(file);
    if (hit !== undefined && hit.key === key && unchanged(hit.result)) return hit.result;
    const result = compileFile(file, { includePaths, parseCache: this.parses });
    this.entries.set(file, { key, result });
    return result;
  }
}

function unchanged(r: CompileResult): boolean {
  for (const [path, text] of r.sources) {
    let now: string;
    try {
      now = readFileSync(path, 'utf8');
    } catch {
      return false;
    }
    if (now !== text) return false;
  }
  for (const path of r.absent) {
    try {
      if (statSync(path, { throwIfNoEntry: false }) !== undefined) return false;
    } catch {
      // ENOTDIR: still no file there
    }
  }
  return true;
}
