// Maps SKU spellings and job labels to the one SKU key used in rates.json.
import type { HostedRunner } from "./types.js";

export const UNKNOWN_SKU = "unknown";
export const SELF_HOSTED_SKU = "self_hosted";

// Whole-name aliases, after lower-casing/underscoring and dropping an "actions_" prefix.
const ALIASES: Record<string, string> = {
  linux: "linux_2_core",
  linux_x64: "linux_2_core",
  linux_slim: "linux_slim",
  linux_1_core: "linux_slim",
  // Standard arm64 runners have their own usage SKUs (actions_linux_arm, actions_windows_arm), distinct from the
  // 2-core arm larger runners.
  linux_arm: "linux_arm",
  linux_arm64: "linux_arm",
  windows: "windows_2_core",
  windows_x64: "windows_2_core",
  windows_arm: "windows_arm",
  windows_arm64: "windows_arm",
  macos: "macos",
  macos_l: "macos_l",
  macos_large: "macos_l",
  macos_12_core: "macos_l",
  macos_xl: "macos_xl",
  macos_xlarge: "macos_xl",
  self_hosted: SELF_HOSTED_SKU,
  selfhosted: SELF_HOSTED_SKU,
};

// linux_4_core, windows_8_core_arm64, linux_2_core_advanced, linux_advanced_2_core, linux_4_core_gpu ...
const CORE_SKU = /^(linux|windows)_(?:advanced_)?(\d+)_core(?:_advanced)?(?:_(arm|arm64|gpu))?$/;

function underscored(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/** One key for any spelling GitHub uses ("Actions Linux", "actions_linux_4_core", "Linux 4-core", "macos_xl"...). */
export function normaliseSku(name: string): string {
  const raw = underscored(name);
  const bare = raw.startsWith("actions_") ? raw.slice("actions_".length) : raw;
  const alias = ALIASES[bare];
  if (alias !== undefined) return alias;
  const m = CORE_SKU.exec(bare);
  if (m) {
    const os = m[1] ?? "";
    const cores = Number(m[2]);
    const kind = m[3];
    if (kind === undefined && os === "linux" && cores === 1) return "linux_slim";
    const suffix = kind === undefined ? "" : kind === "gpu" ? "_gpu" : "_arm";
    return `${os}_${cores}_core${suffix}`;
  }
  // Unknown: keep the full underscored input (prefix included) so it never collides with a real key.
  return raw;
}

export interface ResolvedSku {
  sku: string;
  /** larger runners are billed even in public repositories */
  larger: boolean;
  selfHosted: boolean;
  unknown: boolean;
}

// --- Standard GitHub-hosted runner labels, by family ---------------------------------------------------------------
//
// GitHub adds standard labels every few months (ubuntu-26.04, macos-26-intel, windows-2025-vs2026, xcode-27...), so labels are
// matched by family rather than by an exact list: `<os>-<version>[-<suffix>]`, where
//   - <os> is one of the families below (ubuntu, windows, macos, xcode);
//   - <version> is `latest` or a version number of that OS's shape (Ubuntu YY.MM, Windows year or client release,
//     macOS major[.minor], Xcode major), so a new image version of a known family is priced with no code change;
//   - <suffix> is absent or one the family lists: it alone decides the SKU (and whether the runner is "larger").
// Anything else (`ubuntu-gpu-box`, `macos-builder`, `ubuntu-24.04-cuda`, `macos-15-intel-large`) is not a standard
// runner and stays unknown. One-off labels with no version (`ubuntu-slim`) are listed in STANDARD_EXACT.
// Sources: docs.github.com, "GitHub-hosted runners" reference, standard runner tables
// (https://docs.github.com/en/actions/reference/runners/github-hosted-runners), and the label column of the runner
// images list (https://github.com/actions/runner-images#available-images) for image variants such as -vs2026.
// Only macOS has fixed larger-runner labels (-large: 12-core Intel, -xlarge: M-series); Linux/Windows larger runners
// carry an admin-chosen name and are resolved through the hosted-runners API instead.

interface LabelSuffix {
  /** matched against the whole part after `<os>-<version>`, without its leading "-"; "" means no suffix */
  suffix: RegExp;
  sku: string;
  larger: boolean;
}

interface LabelFamily {
  os: string;
  version: RegExp;
  suffixes: readonly LabelSuffix[];
}

export const STANDARD_FAMILIES: readonly LabelFamily[] = [
  {
    os: "ubuntu",
    // ubuntu-latest, ubuntu-24.04, ubuntu-22.04, ubuntu-26.04 ...
    version: /^(?:latest|\d{2}\.\d{2})$/,
    suffixes: [
      { suffix: /^$/, sku: "linux_2_core", larger: false },
      // Standard arm64 (ubuntu-24.04-arm): usage SKU actions_linux_arm.
      { suffix: /^arm$/, sku: "linux_arm", larger: false },
    ],
  },
  {
    os: "windows",
    // windows-latest, windows-2025, windows-2022 (server years); windows-11-arm (client release).
    version: /^(?:latest|\d{2}|\d{4})$/,
    suffixes: [
      { suffix: /^$/, sku: "windows_2_core", larger: false },
      { suffix: /^arm$/, sku: "windows_arm", larger: false },
      // Image variants (windows-2025-vs2026: another Visual Studio on the same machine) keep the machine's SKU.
      { suffix: /^vs\d{4}$/, sku: "windows_2_core", larger: false },
      { suffix: /^arm-vs\d{4}$/, sku: "windows_arm", larger: false },
      // windows-11-vs2026-arm: the arm64 client image with another Visual Studio (the image table's spelling).
      { suffix: /^vs\d{4}-arm$/, sku: "windows_arm", larger: false },
    ],
  },
  {
    os: "macos",
    // macos-latest, macos-14, macos-15, macos-26 (and the old macos-10.15 form).
    version: /^(?:latest|\d{1,2}(?:\.\d{1,2})?)$/,
    suffixes: [
      { suffix: /^$/, sku: "macos", larger: false },
      // macos-15-intel, macos-26-intel: 4-core Intel, a standard runner billed as actions_macos.
      { suffix: /^intel$/, sku: "macos", larger: false },
      { suffix: /^large$/, sku: "macos_l", larger: true },
      { suffix: /^xlarge$/, sku: "macos_xl", larger: true },
    ],
  },
  {
    os: "xcode",
    // xcode-27, xcode-27-xlarge: macOS images named by their Xcode major version (arm64). Same machines, same SKUs
    // as the macos family: plain is the standard macOS runner, -large / -xlarge the larger ones.
    version: /^\d{2}$/,
    suffixes: [
      { suffix: /^$/, sku: "macos", larger: false },
      { suffix: /^large$/, sku: "macos_l", larger: true },
      { suffix: /^xlarge$/, sku: "macos_xl", larger: true },
    ],
  },
];

/** Standard labels outside the `<os>-<version>` grammar. */
export const STANDARD_EXACT: Readonly<Record<string, { sku: string; larger: boolean }>> = {
  // 1-core Linux container: usage SKU actions_linux_slim.
  "ubuntu-slim": { sku: "linux_slim", larger: false },
};

// `<os>-<version>` then an optional `-<suffix>`; versions never contain "-".
const FAMILY_LABEL = /^([a-z]+)-([^-]+)(?:-(.+))?$/;

/** The SKU of one standard runner label (lower-cased), or undefined when it belongs to no known family. */
export function standardLabelSku(label: string): { sku: string; larger: boolean } | undefined {
  const exact = STANDARD_EXACT[label];
  if (exact !== undefined) return exact;
  const m = FAMILY_LABEL.exec(label);
  if (!m) return undefined;
  const family = STANDARD_FAMILIES.find((f) => f.os === m[1]);
  if (family === undefined || !family.version.test(m[2] ?? "")) return undefined;
  const rest = m[3] ?? "";
  const hit = family.suffixes.find((s) => s.suffix.test(rest));
  return hit === undefined ? undefined : { sku: hit.sku, larger: hit.larger };
}

function hostedRunnerSku(runner: HostedRunner): string | undefined {
  const platform = runner.platform.trim().toLowerCase();
  const [osPart, arch] = platform.split("-");
  const os = osPart === "linux" ? "linux" : osPart === "win" || osPart === "windows" ? "windows" : undefined;
  if (os === undefined) return undefined;
  if (!Number.isInteger(runner.cpuCores) || runner.cpuCores <= 0) return undefined;
  if (runner.gpu) return `${os}_${runner.cpuCores}_core_gpu`;
  if (arch === "x64") return `${os}_${runner.cpuCores}_core`;
  if (arch === "arm64") return `${os}_${runner.cpuCores}_core_arm`;
  return undefined;
}

/**
 * Which SKU a job ran on, from its labels. Labels are compared case-insensitively, as GitHub does. Precedence:
 * 1. `self-hosted` anywhere: a self-hosted runner.
 * 2. A label equal to the name of one of the org's larger runners: that runner (the name says nothing about size).
 * 3. Every label a standard label (by family) of one and the same SKU: that standard runner. A GitHub-hosted
 *    runner carries only its own label, so a set that also asks for anything else (`linux`, `gpu`, a custom name)
 *    can only have been served by some other runner: it is not priced as a standard one.
 * 4. Otherwise unknown, flagged: never guessed as Linux.
 */
export function resolveSku(labels: string[], hostedRunners: HostedRunner[]): ResolvedSku {
  const lower = labels.map((l) => l.trim().toLowerCase());
  if (lower.includes("self-hosted")) {
    return { sku: SELF_HOSTED_SKU, larger: false, selfHosted: true, unknown: false };
  }
  for (const runner of hostedRunners) {
    if (!lower.includes(runner.name.trim().toLowerCase())) continue;
    const sku = hostedRunnerSku(runner);
    if (sku !== undefined) return { sku, larger: true, selfHosted: false, unknown: false };
  }
  const standard = lower.map(standardLabelSku);
  const first = standard[0];
  if (first !== undefined && standard.every((s) => s?.sku === first.sku)) {
    return { sku: first.sku, larger: first.larger, selfHosted: false, unknown: false };
  }
  return { sku: UNKNOWN_SKU, larger: false, selfHosted: false, unknown: true };
}
