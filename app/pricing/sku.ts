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

// Labels of GitHub's standard (and fixed-label macOS larger) runners. Order matters: suffixed forms first.
const STANDARD_LABELS: ReadonlyArray<{ re: RegExp; sku: string; larger: boolean }> = [
  { re: /^ubuntu-slim$/, sku: "linux_slim", larger: false },
  { re: /^ubuntu-(?:latest|\d+\.\d+)-arm$/, sku: "linux_arm", larger: false },
  { re: /^ubuntu-(?:latest|\d+\.\d+)$/, sku: "linux_2_core", larger: false },
  { re: /^windows-(?:latest|\d+)-arm$/, sku: "windows_arm", larger: false },
  { re: /^windows-(?:latest|\d+)$/, sku: "windows_2_core", larger: false },
  { re: /^macos-(?:latest|\d+)-xlarge$/, sku: "macos_xl", larger: true },
  { re: /^macos-(?:latest|\d+)-large$/, sku: "macos_l", larger: true },
  { re: /^macos-(?:latest|\d+)$/, sku: "macos", larger: false },
];

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
 * Which SKU a job ran on, from its labels. Labels are compared case-insensitively, as GitHub does.
 * Admin-named larger runners are matched first: their name is an exact label and says nothing about size.
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
  for (const label of lower) {
    const hit = STANDARD_LABELS.find((s) => s.re.test(label));
    if (hit) return { sku: hit.sku, larger: hit.larger, selfHosted: false, unknown: false };
  }
  // Never guess Linux: an unrecognised label is reported, not priced.
  return { sku: UNKNOWN_SKU, larger: false, selfHosted: false, unknown: true };
}
