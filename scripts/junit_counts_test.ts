import { expect, test } from "bun:test";
import { countJunit } from "./junit_counts.ts";

test("countJunit counts passed, failed, errored and skipped test cases", () => {
  const xml = `<testsuites><testsuite name="a">
    <testcase name="p1" time="0.1" />
    <testcase name="p2"></testcase>
    <testcase name="f"><failure message="x" /></testcase>
    <testcase name="e"><error message="y"/></testcase>
    <testcase name="s"><skipped /></testcase>
  </testsuite></testsuites>`;
  expect(countJunit(xml)).toEqual({ passed: 2, failed: 2, skipped: 1 });
});

test("countJunit gives zero for a report with no test cases", () => {
  expect(countJunit("<testsuites></testsuites>")).toEqual({ passed: 0, failed: 0, skipped: 0 });
});
