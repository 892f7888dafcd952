import { describe, expect, it } from "@jest/globals";
import { billableMinutes, formatUsd, loadRateTable, microsToUsd, priceAttempt, priceJob, rateFor, type PriceContext } from "../app/pricing/price.js";
import { normaliseSku, resolveSku } from "../app/pricing/sku.js";
import type { HostedRunner, JobInput, RateTable, Visibility } from "../app/pricing/types.js";

const RATES = loadRateTable();

const HOSTED: HostedRunner[] = [
  { name: "big-linux", platform: "linux-x64", cpuCores: 8 },
  { name: "Win-Arm-Small", platform: "win-arm64", cpuCores: 4 },
  { name: "linux-2c-larger", platform: "linux-x64", cpuCores: 2 },
  { name: "gpu-box", platform: "linux-x64", cpuCores: 4, gpu: true },
];

function ctx(visibility: Visibility = "private", rates: RateTable = RATES): PriceContext {
  return { visibility, hostedRunners: HOSTED, rates };
}

let nextId = 1000;
// A completed job; `start` and `end` are ISO timestamps. Queue time is before `start`.
function job(labels: string[], start: string | null, end: string | null, extra: Partial<JobInput> = {}): JobInput {
  nextId += 1;
  return {
    id: nextId,
    name: `job-${nextId}`,
    status: "completed",
    conclusion: "success",
    started_at: start,
    completed_at: end,
    labels,
    runner_name: "GitHub Actions 1",
    runner_group_name: "GitHub Actions",
    run_attempt: 1,
    ...extra,
  };
}

describe("rates.json", () => {
  it("loads with integer micro-dollar rates, two dated periods and the platform charge off", () => {
    expect(RATES.currency).toBe("USD");
    expect(RATES.periods).toHaveLength(2);
    expect(RATES.periods[0]?.until).toBe("2025-12-31");
    expect(RATES.periods[1]?.from).toBe("2026-01-01");
    expect(RATES.periods[1]?.until).toBeNull();
    for (const p of RATES.periods) for (const r of Object.values(p.rates)) expect(Number.isInteger(r)).toBe(true);
    expect(RATES.unverified).not.toEqual(expect.arrayContaining(["linux_arm"]));
    expect(RATES.unverified).not.toEqual(expect.arrayContaining(["windows_arm"]));
  });
});

describe("billableMinutes: each job rounded up to the whole minute", () => {
  it("1 s is 1 minute, 60 s is 1, 61 s is 2", () => {
    expect(billableMinutes("2026-02-01T10:00:00Z", "2026-02-01T10:00:01Z")).toBe(1);
    expect(billableMinutes("2026-02-01T10:00:00Z", "2026-02-01T10:01:00Z")).toBe(1);
    expect(billableMinutes("2026-02-01T10:00:00Z", "2026-02-01T10:01:01Z")).toBe(2);
  });
  it("rounds per job, not per run: three 20-second jobs are 3 minutes, not 1", () => {
    const jobs = [0, 1, 2].map(() => job(["ubuntu-latest"], "2026-02-01T10:00:00Z", "2026-02-01T10:00:20Z"));
    const priced = priceAttempt(jobs, ctx());
    expect(priced.minutes).toBe(3);
    expect(priced.costMicros).toBe(3 * 6000);
  });
});

describe("queue time is not billed", () => {
  it("uses started_at..completed_at, ignoring a 10-minute queue", () => {
    // Created 09:50, waited for a runner until 10:00, ran 2m30s.
    const j = job(["ubuntu-latest"], "2026-02-01T10:00:00Z", "2026-02-01T10:02:30Z");
    const queued: JobInput & { created_at: string } = { ...j, created_at: "2026-02-01T09:50:00Z" };
    const priced = priceJob(queued, ctx());
    expect(priced.minutes).toBe(3);
    expect(priced.costMicros).toBe(18000);
  });
});

describe("rate picked by the job's UTC date (2026-01-01 change)", () => {
  it("a job on 2025-12-31T23:30Z pays 0.008, one on 2026-01-01T00:30Z pays 0.006", () => {
    const before = priceJob(job(["ubuntu-latest"], "2025-12-31T23:30:00Z", "2025-12-31T23:40:00Z"), ctx());
    const after = priceJob(job(["ubuntu-latest"], "2026-01-01T00:30:00Z", "2026-01-01T00:40:00Z"), ctx());
    expect(before.costMicros).toBe(10 * 8000);
    expect(after.costMicros).toBe(10 * 6000);
  });
  it("uses the UTC date, not the local date of an offset timestamp", () => {
    // 2025-12-31T22:30-02:00 is 2026-01-01T00:30Z.
    expect(rateFor(RATES, "linux_2_core", "2025-12-31T22:30:00-02:00")).toBe(6000);
    expect(rateFor(RATES, "linux_2_core", "2026-01-01T00:30:00+02:00")).toBe(8000);
  });
  it("a job spanning midnight is priced by its completion date", () => {
    const j = priceJob(job(["windows-latest"], "2025-12-31T23:58:00Z", "2026-01-01T00:03:00Z"), ctx());
    expect(j.minutes).toBe(5);
    expect(j.costMicros).toBe(5 * 10000);
  });
});

describe("repository visibility", () => {
  it("standard runners are free in public repositories (minutes still counted)", () => {
    const j = priceJob(job(["ubuntu-latest"], "2026-02-01T10:00:00Z", "2026-02-01T10:05:00Z"), ctx("public"));
    expect(j.minutes).toBe(5);
    expect(j.costMicros).toBe(0);
    expect(j.billable).toBe(false);
    expect(j.reason).toBe("public-repo standard runner");
  });
  it("larger runners are billed even in public repositories", () => {
    const named = priceJob(job(["big-linux"], "2026-02-01T10:00:00Z", "2026-02-01T10:05:00Z"), ctx("public"));
    expect(named.sku).toBe("linux_8_core");
    expect(named.costMicros).toBe(5 * 22000);
    expect(named.billable).toBe(true);
    const mac = priceJob(job(["macos-14-xlarge"], "2026-02-01T10:00:00Z", "2026-02-01T10:05:00Z"), ctx("public"));
    expect(mac.costMicros).toBe(5 * 102000);
  });
  it("a 2-core Linux x64 larger runner costs the linux_2_core rate but is not free in public repos", () => {
    const j = priceJob(job(["linux-2c-larger"], "2026-02-01T10:00:00Z", "2026-02-01T10:05:00Z"), ctx("public"));
    expect(j.sku).toBe("linux_2_core");
    expect(j.costMicros).toBe(5 * 6000);
  });
  it("internal repositories bill like private ones", () => {
    const j = job(["windows-2022"], "2026-02-01T10:00:00Z", "2026-02-01T10:07:10Z");
    const internal = priceJob(j, ctx("internal"));
    const priv = priceJob(j, ctx("private"));
    expect(internal.costMicros).toBe(8 * 10000);
    expect(internal).toEqual(priv);
  });
});

describe("self-hosted runners", () => {
  it("cost 0 but their minutes are counted under self_hosted", () => {
    const j = priceJob(job(["self-hosted", "linux", "x64"], "2026-02-01T10:00:00Z", "2026-02-01T10:30:00Z"), ctx("private"));
    expect(j.sku).toBe("self_hosted");
    expect(j.minutes).toBe(30);
    expect(j.costMicros).toBe(0);
    expect(j.reason).toBe("self-hosted");
  });
  it("the label is matched case-insensitively", () => {
    expect(resolveSku(["Self-Hosted", "ubuntu-latest"], []).sku).toBe("self_hosted");
  });
  it("the platform charge is off by default, even after its announced date", () => {
    expect(RATES.selfHostedPlatformCharge.enabled).toBe(false);
    const j = priceJob(job(["self-hosted"], "2026-06-01T10:00:00Z", "2026-06-01T10:30:00Z"), ctx());
    expect(j.costMicros).toBe(0);
  });
  it("the platform charge, when switched on, applies only on/after its from date", () => {
    const on: RateTable = { ...RATES, selfHostedPlatformCharge: { enabled: true, from: "2026-03-01", rate: 2000 } };
    const before = priceJob(job(["self-hosted"], "2026-02-28T23:00:00Z", "2026-02-28T23:30:00Z"), ctx("private", on));
    const after = priceJob(job(["self-hosted"], "2026-03-01T00:00:00Z", "2026-03-01T00:30:00Z"), ctx("private", on));
    expect(before.costMicros).toBe(0);
    expect(after.costMicros).toBe(30 * 2000);
    expect(after.billable).toBe(true);
  });
});

describe("jobs that never ran cost 0", () => {
  it("never-started (started_at null) is 0 minutes", () => {
    const j = priceJob(job(["ubuntu-latest"], null, "2026-02-01T10:05:00Z", { conclusion: "cancelled" }), ctx());
    expect(j.minutes).toBe(0);
    expect(j.costMicros).toBe(0);
    expect(j.reason).toBe("not started");
  });
  it("skipped (started_at == completed_at) is 0 minutes", () => {
    const j = priceJob(job(["ubuntu-latest"], "2026-02-01T10:00:00Z", "2026-02-01T10:00:00Z", { conclusion: "skipped" }), ctx());
    expect(j.minutes).toBe(0);
    expect(j.costMicros).toBe(0);
    expect(j.reason).toBe("skipped");
  });
  it("in progress (completed_at null) is 0 minutes", () => {
    expect(billableMinutes("2026-02-01T10:00:00Z", null)).toBe(0);
  });
});

describe("negative durations are clamped to 0", () => {
  it("completed before started costs nothing", () => {
    expect(billableMinutes("2026-02-01T10:05:00Z", "2026-02-01T10:00:00Z")).toBe(0);
    const j = priceJob(job(["macos-14"], "2026-02-01T10:05:00Z", "2026-02-01T10:00:00Z"), ctx());
    expect(j.minutes).toBe(0);
    expect(j.costMicros).toBe(0);
  });
});

describe("unknown labels are flagged, never priced as Linux", () => {
  it("an unrecognised label gets sku unknown, minutes counted, cost 0", () => {
    const j = priceJob(job(["my-custom-runner"], "2026-02-01T10:00:00Z", "2026-02-01T10:07:00Z"), ctx());
    expect(j.sku).toBe("unknown");
    expect(j.unknown).toBe(true);
    expect(j.minutes).toBe(7);
    expect(j.costMicros).toBe(0);
    expect(j.costMicros).not.toBe(7 * 6000);
    expect(j.reason).toBe("unknown label");
  });
  it("a hosted runner whose size has no rate is flagged too", () => {
    const odd: HostedRunner[] = [{ name: "odd", platform: "linux-x64", cpuCores: 6 }];
    const j = priceJob(job(["odd"], "2026-02-01T10:00:00Z", "2026-02-01T10:07:00Z"), {
      ...ctx(),
      hostedRunners: odd,
    });
    expect(j.sku).toBe("linux_6_core");
    expect(j.unknown).toBe(true);
    expect(j.costMicros).toBe(0);
  });
});

describe("standard runner labels", () => {
  it("ubuntu-latest is linux_2_core (not a 4-core SKU) at 0.006 in 2026", () => {
    for (const l of ["ubuntu-latest", "ubuntu-24.04", "ubuntu-22.04", "Ubuntu-Latest"]) {
      expect(resolveSku([l], [])).toEqual({ sku: "linux_2_core", larger: false, selfHosted: false, unknown: false });
    }
    expect(rateFor(RATES, "linux_2_core", "2026-03-10T12:00:00Z")).toBe(6000);
    const j = priceJob(job(["ubuntu-latest"], "2026-03-10T12:00:00Z", "2026-03-10T12:09:30Z"), ctx());
    expect(j.costMicros).toBe(10 * 6000);
  });
  it("ubuntu-slim, arm and windows labels", () => {
    expect(resolveSku(["ubuntu-slim"], []).sku).toBe("linux_slim");
    expect(resolveSku(["ubuntu-24.04-arm"], []).sku).toBe("linux_arm");
    expect(resolveSku(["windows-latest"], []).sku).toBe("windows_2_core");
    expect(resolveSku(["windows-2025"], []).sku).toBe("windows_2_core");
    expect(resolveSku(["windows-11-arm"], []).sku).toBe("windows_arm");
  });
  it("macOS: -large is macos_l, -xlarge is macos_xl (both larger), plain is macos", () => {
    expect(resolveSku(["macos-15-large"], [])).toMatchObject({ sku: "macos_l", larger: true });
    expect(resolveSku(["macos-14-xlarge"], [])).toMatchObject({ sku: "macos_xl", larger: true });
    expect(resolveSku(["macos-latest-xlarge"], [])).toMatchObject({ sku: "macos_xl", larger: true });
    expect(resolveSku(["macos-14"], [])).toMatchObject({ sku: "macos", larger: false });
    expect(resolveSku(["macos-latest"], [])).toMatchObject({ sku: "macos", larger: false });
    const l = priceJob(job(["macos-15-large"], "2025-06-01T10:00:00Z", "2025-06-01T10:02:00Z"), ctx());
    const xl = priceJob(job(["macos-14-xlarge"], "2026-06-01T10:00:00Z", "2026-06-01T10:02:00Z"), ctx());
    expect(l.costMicros).toBe(2 * 120000);
    expect(xl.costMicros).toBe(2 * 102000);
  });
});

describe("larger runners resolved by name via the hosted-runners API", () => {
  it("linux-x64 with 8 cores is linux_8_core; win-arm64 with 4 cores is windows_4_core_arm", () => {
    expect(resolveSku(["big-linux"], HOSTED)).toEqual({
      sku: "linux_8_core",
      larger: true,
      selfHosted: false,
      unknown: false,
    });
    // Name matched case-insensitively.
    expect(resolveSku(["win-arm-small"], HOSTED)).toMatchObject({ sku: "windows_4_core_arm", larger: true });
    const j = priceJob(job(["Win-Arm-Small"], "2026-02-01T10:00:00Z", "2026-02-01T10:03:00Z"), ctx());
    expect(j.costMicros).toBe(3 * 14000);
  });
  it("GPU runners map to the *_4_core_gpu SKU", () => {
    expect(resolveSku(["gpu-box"], HOSTED)).toMatchObject({ sku: "linux_4_core_gpu", larger: true });
    expect(rateFor(RATES, "linux_4_core_gpu", "2026-02-01T00:00:00Z")).toBe(52000);
  });
});

describe("normaliseSku accepts GitHub's spellings", () => {
  it.each([
    ["actions_linux", "linux_2_core"],
    ["Actions Linux", "linux_2_core"],
    ["linux_2_core_advanced", "linux_2_core"],
    ["Linux Advanced 2-core", "linux_2_core"],
    ["linux_4_core", "linux_4_core"],
    ["actions_linux_4_core", "linux_4_core"],
    ["Linux 4-core", "linux_4_core"],
    ["actions_linux_slim", "linux_slim"],
    ["Linux 1-core", "linux_slim"],
    ["actions_linux_arm", "linux_arm"],
    ["actions_windows_arm", "windows_arm"],
    ["linux_16_core_arm", "linux_16_core_arm"],
    ["Windows 4-core arm64", "windows_4_core_arm"],
    ["actions_windows", "windows_2_core"],
    ["Actions Windows ARM", "windows_arm"],
    ["Windows 96-core", "windows_96_core"],
    ["actions_macos", "macos"],
    ["macos_xl", "macos_xl"],
    ["macOS 12-core", "macos_l"],
    ["Linux 4-core GPU", "linux_4_core_gpu"],
    ["self-hosted", "self_hosted"],
  ])("%s -> %s", (input, expected) => {
    expect(normaliseSku(input)).toBe(expected);
  });
  it("every normalised name above is a key of the rate table", () => {
    const keys = Object.keys(RATES.periods[1]?.rates ?? {});
    for (const k of ["linux_2_core", "linux_slim", "linux_2_core_arm", "windows_2_core_arm", "macos_l", "macos_xl"]) {
      expect(keys).toContain(k);
    }
  });
  it("an unknown name comes back lower-cased and underscored, not as a known key", () => {
    expect(normaliseSku("Actions Storage")).toBe("actions_storage");
    expect(rateFor(RATES, "Actions Storage", "2026-02-01T00:00:00Z")).toBeUndefined();
  });
});

describe("org override", () => {
  it("changes a rate from its date onwards, leaving earlier dates and the base table alone", () => {
    const t = loadRateTable({ rates: { actions_linux: 0.005 }, from: "2026-06-01" });
    expect(rateFor(t, "linux_2_core", "2026-05-31T23:59:59Z")).toBe(6000);
    expect(rateFor(t, "linux_2_core", "2026-06-01T00:00:00Z")).toBe(5000);
    expect(rateFor(t, "linux_2_core", "2025-06-01T00:00:00Z")).toBe(8000);
    expect(rateFor(t, "windows_2_core", "2026-07-01T00:00:00Z")).toBe(10000);
    expect(rateFor(loadRateTable(), "linux_2_core", "2026-07-01T00:00:00Z")).toBe(6000);
    const j = priceJob(job(["ubuntu-latest"], "2026-07-01T10:00:00Z", "2026-07-01T10:04:00Z"), ctx("private", t));
    expect(j.costMicros).toBe(4 * 5000);
  });
  it("without a date applies to every period", () => {
    const t = loadRateTable({ rates: { "Linux 4-core": 0.01 } });
    expect(rateFor(t, "linux_4_core", "2025-03-01T00:00:00Z")).toBe(10000);
    expect(rateFor(t, "linux_4_core", "2026-03-01T00:00:00Z")).toBe(10000);
  });
  it("rejects a negative rate", () => {
    expect(() => loadRateTable({ rates: { linux: -1 } })).toThrow(/non-negative/);
  });
});

describe("priceAttempt aggregates by SKU", () => {
  it("matches a hand-computed total for a mixed private-repo attempt", () => {
    const d = "2026-02-01T10:";
    const jobs: JobInput[] = [
      job(["ubuntu-latest"], `${d}00:00Z`, `${d}04:10Z`), // 5 min * 6000 = 30000
      job(["ubuntu-latest"], `${d}00:00Z`, `${d}00:59Z`), // 1 min * 6000 = 6000
      job(["ubuntu-latest"], null, null, { conclusion: "skipped" }), // 0
      job(["windows-latest"], `${d}00:00Z`, `${d}10:00Z`), // 10 min * 10000 = 100000
      job(["macos-14-xlarge"], `${d}00:00Z`, `${d}03:01Z`), // 4 min * 102000 = 408000
      job(["big-linux"], `${d}00:00Z`, `${d}02:00Z`), // 2 min * 22000 = 44000
      job(["self-hosted", "linux"], `${d}00:00Z`, `${d}30:00Z`), // 30 min, 0
      job(["mystery", "GPU"], `${d}00:00Z`, `${d}07:00Z`), // 7 min unknown, 0
      job(["gpu", "Mystery"], `${d}00:00Z`, `${d}01:00Z`), // 1 min unknown, same label set
    ];
    const a = priceAttempt(jobs, ctx("private"));
    expect(a.jobs).toBe(9);
    expect(a.minutes).toBe(5 + 1 + 0 + 10 + 4 + 2 + 30 + 7 + 1);
    expect(a.costMicros).toBe(30000 + 6000 + 100000 + 408000 + 44000);
    expect(a.costMicros).toBe(588000);
    expect(formatUsd(a.costMicros)).toBe("0.59");
    expect(a.bySku).toEqual({
      linux_2_core: { jobs: 3, minutes: 6, costMicros: 36000 },
      windows_2_core: { jobs: 1, minutes: 10, costMicros: 100000 },
      macos_xl: { jobs: 1, minutes: 4, costMicros: 408000 },
      linux_8_core: { jobs: 1, minutes: 2, costMicros: 44000 },
      self_hosted: { jobs: 1, minutes: 30, costMicros: 0 },
      unknown: { jobs: 2, minutes: 8, costMicros: 0 },
    });
    expect(a.unknownMinutes).toBe(8);
    expect(a.unknownLabels).toEqual(["gpu,mystery"]);
    expect(a.pricedJobs).toHaveLength(9);
  });
  it("every attempt is billed: a 5-minute failure plus a 10-minute re-run is 15 minutes", () => {
    const first = priceAttempt([job(["ubuntu-latest"], "2026-02-01T10:00:00Z", "2026-02-01T10:05:00Z")], ctx());
    const second = priceAttempt([job(["ubuntu-latest"], "2026-02-01T11:00:00Z", "2026-02-01T11:10:00Z", { run_attempt: 2 })], ctx());
    expect(first.minutes + second.minutes).toBe(15);
    expect(first.costMicros + second.costMicros).toBe(15 * 6000);
  });
});

describe("money formatting", () => {
  it("formatUsd gives 2 decimals, rounded", () => {
    expect(formatUsd(12345678)).toBe("12.35");
    expect(formatUsd(0)).toBe("0.00");
    expect(formatUsd(5000)).toBe("0.01");
    expect(formatUsd(4999)).toBe("0.00");
    expect(formatUsd(1_000_000_000)).toBe("1000.00");
  });
  it("microsToUsd is exact to 6 places", () => {
    expect(microsToUsd(12345678)).toBe(12.345678);
    expect(microsToUsd(6000)).toBe(0.006);
  });
});

// Rates below are written out by hand from docs.github.com "Actions runner pricing"
// (https://docs.github.com/en/billing/reference/actions-runner-pricing), micro-dollars per minute:
//   actions_macos 80000 until 2025-12-31, 62000 from 2026-01-01; actions_windows 16000 / 10000;
//   actions_linux 8000 / 6000; actions_linux_slim 2000 / 2000; actions_linux_arm 5000 / 5000 (unverified);
//   actions_windows_arm 10000 / 10000 (unverified); macos_l 120000 / 77000; macos_xl 160000 / 102000;
//   linux_8_core 32000 / 22000.
describe("standard runner labels by family", () => {
  // 7m30s before midnight UTC and just after: 8 billed minutes each.
  const BEFORE: [string, string] = ["2025-12-31T23:50:00Z", "2025-12-31T23:57:30Z"];
  const AFTER: [string, string] = ["2026-01-01T00:10:00Z", "2026-01-01T00:17:30Z"];

  it.each([
    // label, sku, 8 minutes before 2026, 8 minutes from 2026
    ["macos-15-intel", "macos", 8 * 80000, 8 * 62000],
    ["macos-26-intel", "macos", 8 * 80000, 8 * 62000],
    ["windows-2025-vs2026", "windows_2_core", 8 * 16000, 8 * 10000],
  ])("%s is %s: private repos pay by date, public repos nothing", (label, sku, before, after) => {
    expect(resolveSku([label], [])).toEqual({ sku, larger: false, selfHosted: false, unknown: false });
    const pb = priceJob(job([label], ...BEFORE), ctx("private"));
    const pa = priceJob(job([label], ...AFTER), ctx("private"));
    expect([pb.minutes, pb.costMicros, pb.billable, pb.unknown]).toEqual([8, before, true, undefined]);
    expect([pa.minutes, pa.costMicros, pa.billable, pa.unknown]).toEqual([8, after, true, undefined]);
    for (const span of [BEFORE, AFTER]) {
      const pub = priceJob(job([label], ...span), ctx("public"));
      expect(pub).toMatchObject({ sku, minutes: 8, costMicros: 0, billable: false, reason: "public-repo standard runner" });
      expect(pub.unknown).toBeUndefined();
    }
  });

  it("macos-15-intel in a private repo: 0.062 a minute from 2026-01-01 (4-core Intel, standard)", () => {
    const j = priceJob(job(["macos-15-intel"], "2026-02-01T10:00:00Z", "2026-02-01T10:10:00Z"), ctx("private"));
    expect(j.costMicros).toBe(620000);
    expect(formatUsd(j.costMicros)).toBe("0.62");
  });

  it.each([
    // made-up future image versions of known families, priced with no code change
    ["macos-27", "macos", 8 * 80000, 8 * 62000],
    ["macos-27-intel", "macos", 8 * 80000, 8 * 62000],
    ["ubuntu-26.04", "linux_2_core", 8 * 8000, 8 * 6000],
    ["ubuntu-28.04", "linux_2_core", 8 * 8000, 8 * 6000],
    ["ubuntu-26.04-arm", "linux_arm", 8 * 5000, 8 * 5000],
    ["windows-2028", "windows_2_core", 8 * 16000, 8 * 10000],
    ["windows-2028-vs2030", "windows_2_core", 8 * 16000, 8 * 10000],
    ["windows-12-arm", "windows_arm", 8 * 10000, 8 * 10000],
    ["Ubuntu-Latest", "linux_2_core", 8 * 8000, 8 * 6000],
  ])("future label %s is %s by family", (label, sku, before, after) => {
    expect(resolveSku([label], [])).toEqual({ sku, larger: false, selfHosted: false, unknown: false });
    expect(priceJob(job([label], ...BEFORE), ctx("private")).costMicros).toBe(before);
    expect(priceJob(job([label], ...AFTER), ctx("internal")).costMicros).toBe(after);
    expect(priceJob(job([label], ...AFTER), ctx("public")).costMicros).toBe(0);
  });

  it("arm64 standard rates are verified against the 2026 table (only the pre-2026 ones stay flagged)", () => {
    expect(resolveSku(["ubuntu-26.04-arm"], []).sku).toBe("linux_arm");
    expect(RATES.unverified).not.toEqual(expect.arrayContaining(["linux_arm"]));
    expect(RATES.unverified).not.toEqual(expect.arrayContaining(["windows_arm"]));
  });

  it.each([
    "ubuntu-gpu-box",
    "macos-builder",
    "windows-build",
    "ubuntu-24.04-gpu",
    "ubuntu-latest-large", // Linux larger runners have admin-chosen names, never a -large label
    "windows-2025-xlarge",
    "macos-15-intel-large",
    "macos-15-arm64",
    "macos-latest-arm",
    "ubuntu-2404",
    "ubuntu-24",
    "ubuntu-slim-arm",
    "windows-2025-vs",
    "windows-2025-preview",
    "windows-11-arm64",
    "ubuntu",
    "macos",
    "my-ubuntu-24.04",
    "ubuntu-24.04 ",
    "debian-12",
    "linux",
  ])("look-alike %j stays unknown and flagged, never priced", (label) => {
    const j = priceJob(job([label], "2026-02-01T10:00:00Z", "2026-02-01T10:04:00Z"), ctx("private"));
    // "ubuntu-24.04 " is trimmed like every label, so it is the real ubuntu-24.04.
    if (label === "ubuntu-24.04 ") {
      expect(j.sku).toBe("linux_2_core");
      return;
    }
    expect(j).toMatchObject({ sku: "unknown", unknown: true, minutes: 4, costMicros: 0, reason: "unknown label" });
  });

  it("a label set that asks for anything besides one standard label is not a standard runner", () => {
    // GitHub-hosted standard runners carry only their own label: these sets were served by some other runner.
    for (const labels of [
      ["ubuntu-latest", "gpu"],
      ["linux", "x64", "ubuntu-22.04"],
      ["macos-15-intel", "macos-builder"],
      ["ubuntu-latest", "windows-latest"],
      ["macos-15", "macos-15-xlarge"],
      [],
    ]) {
      expect(resolveSku(labels, [])).toEqual({ sku: "unknown", larger: false, selfHosted: false, unknown: true });
    }
    // Two spellings of one standard SKU are still that SKU.
    expect(resolveSku(["ubuntu-latest", "Ubuntu-24.04"], []).sku).toBe("linux_2_core");
  });

  it("precedence: self-hosted first, then the org's larger-runner names, then families", () => {
    expect(resolveSku(["self-hosted", "macos-15-intel"], HOSTED).sku).toBe("self_hosted");
    expect(resolveSku(["self-hosted", "ubuntu-gpu-box"], HOSTED).sku).toBe("self_hosted");
    const named: HostedRunner[] = [{ name: "ubuntu-24.04-16core", platform: "linux-x64", cpuCores: 16 }];
    expect(resolveSku(["ubuntu-24.04-16core"], named)).toMatchObject({ sku: "linux_16_core", larger: true });
    expect(resolveSku(["ubuntu-24.04-16core"], [])).toMatchObject({ sku: "unknown", unknown: true });
  });

  it("-large / -xlarge macOS labels of any version are larger runners, billed in public repositories too", () => {
    const cases: Array<[string, string, number, number]> = [
      ["macos-latest-large", "macos_l", 8 * 120000, 8 * 77000],
      ["macos-15-large", "macos_l", 8 * 120000, 8 * 77000],
      ["macos-27-large", "macos_l", 8 * 120000, 8 * 77000],
      ["macos-26-xlarge", "macos_xl", 8 * 160000, 8 * 102000],
      ["macos-27-xlarge", "macos_xl", 8 * 160000, 8 * 102000],
    ];
    for (const [label, sku, before, after] of cases) {
      expect(resolveSku([label], [])).toEqual({ sku, larger: true, selfHosted: false, unknown: false });
      for (const vis of ["public", "private", "internal"] as const) {
        expect(priceJob(job([label], ...BEFORE), ctx(vis)).costMicros).toBe(before);
        expect(priceJob(job([label], ...AFTER), ctx(vis)).costMicros).toBe(after);
      }
    }
  });
});

describe("self-hosted runners in public repositories", () => {
  const on: RateTable = { ...RATES, selfHostedPlatformCharge: { enabled: true, from: "2026-03-01", rate: 2000 } };
  it("stay free with the platform charge switched on; private and internal pay it", () => {
    const span: [string, string] = ["2026-03-02T10:00:00Z", "2026-03-02T10:20:00Z"];
    const pub = priceJob(job(["self-hosted", "linux", "x64"], ...span), ctx("public", on));
    expect(pub).toMatchObject({ sku: "self_hosted", minutes: 20, costMicros: 0, billable: false, reason: "self-hosted" });
    expect(priceJob(job(["self-hosted"], ...span), ctx("private", on)).costMicros).toBe(20 * 2000);
    expect(priceJob(job(["self-hosted"], ...span), ctx("internal", on)).costMicros).toBe(20 * 2000);
  });
});

describe("a whole mixed attempt across 2026-01-01, to the micro-dollar", () => {
  const jobs = (): JobInput[] => [
    job(["macos-15-intel"], "2025-12-31T23:40:00Z", "2025-12-31T23:52:01Z"), // 12m01s -> 13 min
    job(["macos-26-intel"], "2026-01-01T00:00:00Z", "2026-01-01T00:09:59Z"), // 9m59s -> 10 min
    job(["windows-2025-vs2026"], "2025-12-31T23:50:00Z", "2026-01-01T00:04:30Z"), // 14m30s -> 15 min, 2026 rate
    job(["ubuntu-26.04"], "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"), // 1 s -> 1 min
    job(["ubuntu-26.04-arm"], "2025-12-31T23:00:00Z", "2025-12-31T23:20:00Z"), // 20 min
    job(["ubuntu-slim"], "2026-01-01T00:00:00Z", "2026-01-01T00:30:00Z"), // 30 min
    job(["windows-11-arm"], "2026-01-01T00:00:00Z", "2026-01-01T00:03:00.500Z"), // 3m00.5s -> 4 min
    job(["macos-27-xlarge"], "2026-01-01T00:00:00Z", "2026-01-01T00:02:00Z"), // 2 min, larger
    job(["macos-latest-large"], "2025-12-31T23:30:00Z", "2025-12-31T23:35:00Z"), // 5 min, larger
    job(["big-linux"], "2026-01-01T00:00:00Z", "2026-01-01T00:07:00Z"), // 7 min, larger (8-core via the API)
    job(["self-hosted", "linux", "x64"], "2026-01-01T00:00:00Z", "2026-01-01T00:45:00Z"), // 45 min
    job(["ubuntu-gpu-box"], "2026-01-01T00:00:00Z", "2026-01-01T00:09:00Z"), // 9 min unknown
    job(["macos-builder"], "2026-01-01T00:00:00Z", "2026-01-01T00:03:00Z"), // 3 min unknown
    job(["ubuntu-latest", "gpu"], "2026-01-01T00:00:00Z", "2026-01-01T00:02:00Z"), // 2 min unknown
    job(["windows-2028"], null, "2026-01-01T00:02:00Z", { conclusion: "cancelled" }), // never started
    job(["ubuntu-latest"], "2026-01-01T00:05:00Z", "2026-01-01T00:04:00Z"), // negative: clamped to 0
  ];

  it("internal repository (billed like private)", () => {
    const a = priceAttempt(jobs(), ctx("internal"));
    // By hand:
    //   macos-15-intel      13 * 80000  = 1,040,000  (2025 rate)
    //   macos-26-intel      10 * 62000  =   620,000
    //   windows-2025-vs2026 15 * 10000  =   150,000  (completed 2026-01-01)
    //   ubuntu-26.04         1 *  6000  =     6,000
    //   ubuntu-26.04-arm    20 *  5000  =   100,000  (2025 rate, unverified)
    //   ubuntu-slim         30 *  2000  =    60,000
    //   windows-11-arm       4 * 10000  =    40,000
    //   macos-27-xlarge      2 * 102000 =   204,000
    //   macos-latest-large   5 * 120000 =   600,000  (2025 rate)
    //   big-linux            7 * 22000  =   154,000
    //   self-hosted 45 min, 3 unknown jobs 14 min, never-started and negative jobs: 0
    //   total                            2,974,000
    expect(a.costMicros).toBe(1040000 + 620000 + 150000 + 6000 + 100000 + 60000 + 40000 + 204000 + 600000 + 154000);
    expect(a.costMicros).toBe(2974000);
    expect(formatUsd(a.costMicros)).toBe("2.97");
    expect(a.jobs).toBe(16);
    expect(a.minutes).toBe(13 + 10 + 15 + 1 + 20 + 30 + 4 + 2 + 5 + 7 + 45 + 9 + 3 + 2);
    expect(a.minutes).toBe(166);
    expect(a.bySku).toEqual({
      macos: { jobs: 2, minutes: 23, costMicros: 1660000 },
      windows_2_core: { jobs: 2, minutes: 15, costMicros: 150000 },
      linux_2_core: { jobs: 2, minutes: 1, costMicros: 6000 },
      linux_arm: { jobs: 1, minutes: 20, costMicros: 100000 },
      linux_slim: { jobs: 1, minutes: 30, costMicros: 60000 },
      windows_arm: { jobs: 1, minutes: 4, costMicros: 40000 },
      macos_xl: { jobs: 1, minutes: 2, costMicros: 204000 },
      macos_l: { jobs: 1, minutes: 5, costMicros: 600000 },
      linux_8_core: { jobs: 1, minutes: 7, costMicros: 154000 },
      self_hosted: { jobs: 1, minutes: 45, costMicros: 0 },
      unknown: { jobs: 3, minutes: 14, costMicros: 0 },
    });
    expect(a.unknownMinutes).toBe(14);
    expect(a.unknownLabels).toEqual(["gpu,ubuntu-latest", "macos-builder", "ubuntu-gpu-box"]);
  });

  it("the same attempt with the platform charge on from 2026-01-01 adds 45 * 2000 for the self-hosted job", () => {
    const on: RateTable = { ...RATES, selfHostedPlatformCharge: { enabled: true, from: "2026-01-01", rate: 2000 } };
    expect(priceAttempt(jobs(), ctx("private", on)).costMicros).toBe(2974000 + 90000);
  });

  it("public repository: only the larger runners are billed, platform charge or not", () => {
    //   macos-27-xlarge 204,000 + macos-latest-large 600,000 + big-linux 154,000 = 958,000
    const on: RateTable = { ...RATES, selfHostedPlatformCharge: { enabled: true, from: "2026-01-01", rate: 2000 } };
    for (const rates of [RATES, on]) {
      const a = priceAttempt(jobs(), ctx("public", rates));
      expect(a.costMicros).toBe(204000 + 600000 + 154000);
      expect(a.costMicros).toBe(958000);
      expect(a.minutes).toBe(166);
      expect(a.unknownMinutes).toBe(14);
    }
  });
});
