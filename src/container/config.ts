/**
 * The bundle's config.json: read, validated against the official OCI
 * runtime-spec schema, then checked the way runc checks it before creating
 * anything. Errors are ClearErrors worded like runc's, or, for schema
 * violations (runc has no schema check), naming the field:
 *   config.json: /process/user/uid: must be integer
 *
 * The schema is compiled at build time (scripts/build-config-validator.js,
 * `make schema`) into src/container/generated/config-validator.js: no schema
 * compilation when the CLI starts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClearError } from '../lib/errors';
import type { Spec, VM } from './oci-spec';
import { sysErrorText } from './state';

export const CONFIG_FILE = 'config.json';

export interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

type Validator = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

let validator: Validator | undefined;

/** The build-time generated validator (loaded on first use). */
function schemaValidator(): Validator {
  if (!validator) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const m = require('./generated/config-validator') as { default?: Validator } & Validator;
      validator = m.default ?? m;
    } catch (err) {
      throw new ClearError(
        `OCI config schema validator not built (${(err as Error).message.split('\n')[0]}); run 'make schema'`,
      );
    }
  }
  return validator;
}

/** One schema error as "config.json: /process/user/uid: must be integer". */
export function formatSchemaError(e: SchemaError, file = CONFIG_FILE): string {
  let msg = e.message ?? `fails ${e.keyword}`;
  if (e.keyword === 'additionalProperties' && typeof e.params.additionalProperty === 'string') {
    msg += ` (${JSON.stringify(e.params.additionalProperty)})`;
  } else if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) {
    msg += `: ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (e.keyword === 'const' && 'allowedValue' in e.params) {
    msg += `: ${JSON.stringify(e.params.allowedValue)}`;
  }
  return e.instancePath ? `${file}: ${e.instancePath}: ${msg}` : `${file}: ${msg}`;
}

/** Validates a parsed config against the OCI schema; throws the first violation. */
export function validateSpecSchema(spec: unknown): asserts spec is Spec {
  const v = schemaValidator();
  if (!v(spec)) {
    const e = v.errors?.[0];
    throw new ClearError(e ? formatSchemaError(e) : `${CONFIG_FILE}: does not match the OCI runtime-spec schema`);
  }
}

export interface LoadedConfig {
  spec: Spec;
  /** Absolute bundle directory. */
  bundle: string;
  /** Absolute rootfs (root.path, relative to the bundle when relative). */
  rootfs: string;
  /** The `vm` object, with relative paths resolved against the bundle. */
  vm?: VM;
}

/** Absolute bundle dir; runc's "chdir B: no such file or directory" when it is not a directory. */
export function resolveBundle(bundle: string | undefined, cwd = process.cwd()): string {
  const abs = path.resolve(cwd, bundle ?? '.');
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (err) {
    throw new ClearError(sysErrorText(err, 'chdir', bundle ?? abs));
  }
  if (!st.isDirectory()) throw new ClearError(`chdir ${bundle ?? abs}: not a directory`);
  return abs;
}

/** Reads and parses <bundle>/config.json (no checks beyond JSON). */
export function readSpec(bundle: string): unknown {
  const file = path.join(bundle, CONFIG_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ClearError(`JSON specification file ${CONFIG_FILE} not found`);
    throw new ClearError(sysErrorText(err, 'open', CONFIG_FILE));
  }
  if (text.trim() === '') throw new ClearError(`${CONFIG_FILE}: invalid JSON: file is empty`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ClearError(`${CONFIG_FILE}: invalid JSON: ${(err as Error).message}`);
  }
}

/**
 * Loads, validates and checks the bundle's config: the schema, then what
 * runc itself insists on (process present, args non-empty, absolute cwd,
 * root present and an existing directory).
 */
export function loadConfig(bundleDir: string): LoadedConfig {
  const bundle = path.resolve(bundleDir);
  return checkConfig(readSpec(bundle), bundle);
}

/** loadConfig's checks of a config already read from `bundle` (an absolute path). */
export function checkConfig(raw: unknown, bundle: string): LoadedConfig {
  validateSpecSchema(raw);
  const spec = raw;
  const p = spec.process;
  if (!p) throw new ClearError('process property must not be empty');
  if (!p.args || p.args.length === 0) throw new ClearError('args must not be empty');
  if (!path.isAbsolute(p.cwd)) throw new ClearError('Cwd must be an absolute path');
  if (!spec.root) throw new ClearError('root must be specified');
  const rootfs = path.resolve(bundle, spec.root.path);
  let st: fs.Stats;
  try {
    st = fs.statSync(rootfs);
  } catch (err) {
    throw new ClearError(`invalid rootfs: ${sysErrorText(err, 'stat', rootfs)}`);
  }
  if (!st.isDirectory()) throw new ClearError('invalid rootfs: not a directory');
  return { spec, bundle, rootfs, vm: resolveVm(spec.vm, bundle) };
}

/**
 * vm.hypervisor, checked before anything is made: the binary must be there
 * to run (QEMU's own "not found" would come from the monitor, after the
 * share and virtiofsd were set up), and each parameter is one argument.
 */
function checkHypervisor(h: NonNullable<VM['hypervisor']>, binary: string): void {
  if (!h.path) throw new ClearError('vm.hypervisor.path must not be empty');
  try {
    fs.accessSync(binary, fs.constants.X_OK);
    if (!fs.statSync(binary).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
  } catch (err) {
    throw new ClearError(`vm.hypervisor.path ${binary}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not an executable file'}`);
  }
  for (const [i, p] of (h.parameters ?? []).entries()) {
    if (typeof p !== 'string' || p === '') throw new ClearError(`vm.hypervisor.parameters[${i}]: an argument must be a non-empty string`);
  }
}

function resolveVm(vm: VM | undefined, bundle: string): VM | undefined {
  if (!vm) return undefined;
  // Each parameter is one word of the guest's command line: whitespace would
  // make it several, quietly.
  for (const [i, p] of (vm.kernel.parameters ?? []).entries()) {
    if (p === '' || /\s/.test(p)) throw new ClearError(`vm.kernel.parameters[${i}] ${JSON.stringify(p)}: one non-empty word without whitespace`);
  }
  const abs = (p: string) => path.resolve(bundle, p);
  if (vm.hypervisor) checkHypervisor(vm.hypervisor, abs(vm.hypervisor.path));
  return {
    ...(vm.hypervisor ? { hypervisor: { ...vm.hypervisor, path: abs(vm.hypervisor.path) } } : {}),
    kernel: {
      ...vm.kernel,
      path: abs(vm.kernel.path),
      ...(vm.kernel.initrd ? { initrd: abs(vm.kernel.initrd) } : {}),
    },
    ...(vm.image ? { image: { ...vm.image, path: abs(vm.image.path) } } : {}),
  };
}
