// What finance reads next to GitHub's SKU ids: "Linux 4-core" beside linux_4_core. Pure.
import { FLEET_SKU_PREFIX } from "./self-hosted-rates.js";
import { SELF_HOSTED_SKU, UNKNOWN_SKU } from "./sku.js";

const FIXED: Record<string, { id: string; name: string }> = {
  linux_slim: { id: "actions_linux_slim", name: "Linux 1-core (slim)" },
  linux_2_core: { id: "actions_linux", name: "Linux 2-core" },
  linux_arm: { id: "actions_linux_arm", name: "Linux arm64 (standard)" },
  windows_2_core: { id: "actions_windows", name: "Windows 2-core" },
  windows_arm: { id: "actions_windows_arm", name: "Windows arm64 (standard)" },
  macos: { id: "actions_macos", name: "macOS (standard)" },
  macos_l: { id: "macos_l", name: "macOS 12-core Intel (large)" },
  macos_xl: { id: "macos_xl", name: "macOS M2 Pro 5-core (xlarge)" },
  [SELF_HOSTED_SKU]: { id: SELF_HOSTED_SKU, name: "Self-hosted runner" },
  [UNKNOWN_SKU]: { id: UNKNOWN_SKU, name: "Unrecognised runner (unpriced)" },
};

const CORES = /^(linux|windows)_(\d+)_core(_arm|_gpu)?$/;

/** GitHub's id for a SKU key (the usage report's name for standard runners) and a name a person reads. */
export function skuInfo(sku: string): { id: string; name: string } {
  const fixed = FIXED[sku];
  if (fixed) return fixed;
  if (sku.startsWith(FLEET_SKU_PREFIX)) {
    // self_hosted_label_gpu_fleet: the org's own rate for a fleet, from chargeback.yml `selfHosted`.
    const [kind, ...name] = sku.slice(FLEET_SKU_PREFIX.length).split("_");
    return { id: sku, name: `Self-hosted fleet (${kind} ${name.join("_")}, org rate)` };
  }
  const m = CORES.exec(sku);
  if (m) {
    const os = m[1] === "linux" ? "Linux" : "Windows";
    const kind = m[3] === "_arm" ? " arm64" : m[3] === "_gpu" ? " GPU" : "";
    return { id: sku, name: `${os} ${m[2]}-core${kind} (larger runner)` };
  }
  return { id: sku, name: sku };
}
