// Counts test results in a JUnit XML report (as written by `bun test --reporter=junit`).

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Counts <testcase> elements: one with <failure> or <error> failed, one with <skipped> or <todo> skipped. */
export function countJunit(xml: string): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  const re = /<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(re)) {
    const body = m[2] ?? "";
    if (/<(failure|error)\b/.test(body)) counts.failed++;
    else if (/<(skipped|todo)\b/.test(body)) counts.skipped++;
    else counts.passed++;
  }
  return counts;
}
