// Pod and Job JSON → core's states and reasons (pure functions, on the API's shapes).
import { describe, expect, test } from '@jest/globals';
import type { TaskStatus } from '@clustrix/core';
import { computeRun, jobEnd, podTask, type PodLike, type RunSnapshot } from '@clustrix/schedulers-kubernetes';
import * as o from './fixtures/objects.js';

describe('podTask', () => {
  test.each([
    ['Succeeded', o.succeededPod, { state: 'completed', schedulerState: 'Succeeded', exitCode: 0, ended: true }],
    ['OOMKilled', o.oomKilledPod, { state: 'out_of_memory', schedulerState: 'OOMKilled', exitCode: 137, ended: true, reason: 'OOMKilled: the container used more than its memory limit of 256Mi' }],
    ['exit code', o.errorPod, { state: 'failed', schedulerState: 'Error', exitCode: 3, ended: true }],
    ['Evicted', o.evictedPod, { state: 'node_fail', schedulerState: 'Evicted', ended: true, reason: expect.stringMatching(/^Evicted: The node was low on resource: memory\./) }],
    ['preempted', o.preemptedPod, { state: 'preempted', schedulerState: 'PreemptionByScheduler', ended: true }],
    ['pod deadline', o.deadlinePod, { state: 'timeout', schedulerState: 'DeadlineExceeded', ended: true, reason: 'DeadlineExceeded: Pod was active on the node longer than the specified deadline' }],
    ['running', o.runningPod, { state: 'running', schedulerState: 'Running', ended: false }],
    ['container creating', o.containerCreatingPod, { state: 'pending', schedulerState: 'ContainerCreating', ended: false }],
  ] as Array<[string, PodLike, Record<string, unknown>]>)('%s', (_name, pod, expected) => {
    expect(podTask(pod)).toEqual(expect.objectContaining(expected));
  });

  test('image pull failures are fatal at once, naming the image and the option to fix', () => {
    for (const pod of [o.imagePullBackOffPod, o.errImagePullPod]) {
      const t = podTask(pod);
      expect(t).toMatchObject({ state: 'failed', fatal: true, ended: false });
      expect(t.reason).toMatch(/^(ImagePullBackOff|ErrImagePull): .*image ".*".*\. Check the `image` option \(and `imagePullSecrets` for a private registry\)$/);
    }
  });

  test('a missing Secret or ConfigMap for the container is fatal too', () => {
    expect(podTask(o.missingSecretPod)).toMatchObject({ state: 'failed', fatal: true, schedulerState: 'CreateContainerConfigError', reason: expect.stringContaining('secret "db-creds" not found') });
  });

  test('Unschedulable stays pending, with the scheduler message', () => {
    expect(podTask(o.unschedulablePod)).toEqual({
      state: 'pending',
      schedulerState: 'Unschedulable',
      ended: false,
      reason: 'Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
    });
  });
});

describe('jobEnd', () => {
  test('reads Failed/FailureTarget and Complete/SuccessCriteriaMet conditions', () => {
    expect(jobEnd(o.deadlineJob)).toEqual({ state: 'timeout', schedulerState: 'DeadlineExceeded', reason: 'DeadlineExceeded: Job was active longer than specified deadline' });
    expect(jobEnd(o.backoffJob)).toMatchObject({ state: 'failed', schedulerState: 'BackoffLimitExceeded' });
    expect(jobEnd(o.failedIndexesJob)).toMatchObject({ state: 'failed', schedulerState: 'FailedIndexes' });
    expect(jobEnd(o.completeJob)).toMatchObject({ state: 'completed' });
    expect(jobEnd(o.activeJob)).toBeUndefined();
  });
});

function snapshot(over: Partial<RunSnapshot>): RunSnapshot {
  return { jobName: 'run', synced: true, jobDeleted: false, pods: [], harvests: new Map(), settled: new Map(), cancelled: false, settleAfterEnd: false, ...over };
}

describe('computeRun', () => {
  test('an ended pod is not terminal until its log was read', () => {
    const s = snapshot({ job: o.completeJob, pods: [o.succeededPod] });
    const before = computeRun(s);
    expect(before.status.state).toBe('running');
    expect(before.toHarvest).toEqual([o.succeededPod]);
    const after = computeRun({ ...s, harvests: new Map([['uid-square-0-abcde', { done: { lines: 3, exitCode: 0, signal: null, oomKilled: false } }]]) });
    expect(after.status).toMatchObject({ state: 'completed', exitCode: 0 });
    expect(after.toHarvest).toEqual([]);
  });

  test('a deadline ends the items still running at once', () => {
    const view = computeRun(snapshot({ count: 2, job: o.deadlineJob, pods: [o.runningPod] }));
    expect(view.status.state).toBe('timeout');
    expect([...view.status.tasks!.values()].map((t: TaskStatus) => t.state)).toEqual(['timeout', 'timeout']);
  });

  test('a Job that failed before its pod\'s last state arrived waits for the pod (separate watch streams)', () => {
    const settled = new Map<number, TaskStatus>();
    const early = computeRun(snapshot({ job: o.backoffJob, pods: [o.runningPod], settled }));
    expect(early.status.state).toBe('running');
    const late = computeRun(snapshot({ job: o.backoffJob, pods: [{ ...o.evictedPod, metadata: { ...o.evictedPod.metadata, annotations: {} } }], settled, harvests: new Map([['uid-ev-h6g5f', {}]]) }));
    expect(late.status).toMatchObject({ state: 'node_fail', schedulerState: 'Evicted' });
  });

  test('with no pod left, the Job\'s failure settles the item once settleAfterEnd is set', () => {
    expect(computeRun(snapshot({ job: o.backoffJob })).status.state).toBe('pending');
    expect(computeRun(snapshot({ job: o.backoffJob, settleAfterEnd: true })).status).toMatchObject({ state: 'failed', schedulerState: 'BackoffLimitExceeded' });
  });

  test('a fatal pod fails every unfinished item with its reason', () => {
    const view = computeRun(snapshot({ count: 3, job: o.activeJob, pods: [{ ...o.errImagePullPod, metadata: { ...o.errImagePullPod.metadata, annotations: { 'batch.kubernetes.io/job-completion-index': '1' } } }] }));
    expect(view.fatal).toMatchObject({ state: 'failed', schedulerState: 'ErrImagePull' });
    expect([...view.status.tasks!.values()].every((t) => t.state === 'failed' && t.reason?.startsWith('ErrImagePull'))).toBe(true);
  });

  test('harvest problems and OOM seen by the pod entry are reported', () => {
    const noFrames = computeRun(snapshot({ job: o.completeJob, pods: [o.succeededPod], harvests: new Map([['uid-square-0-abcde', { problem: 'pod square-0-abcde ended without reporting a result in its log' }]]) }));
    expect(noFrames.status).toMatchObject({ state: 'completed', reason: 'pod square-0-abcde ended without reporting a result in its log' });
    const oom = computeRun(snapshot({ job: o.backoffJob, pods: [o.errorPod], harvests: new Map([['uid-exit-7c9xq', { done: { lines: 4, exitCode: 137, signal: 'SIGKILL', oomKilled: true } }]]) }));
    expect(oom.status).toMatchObject({ state: 'out_of_memory', schedulerState: 'OOMKilled', exitCode: 137 });
  });

  test('an adopted run whose Job is gone is lost, not waited for', () => {
    expect(computeRun(snapshot({})).status).toMatchObject({ state: 'lost', schedulerState: 'NotFound' });
    expect(computeRun(snapshot({ synced: false })).status).toMatchObject({ state: 'pending', schedulerState: 'Submitted' });
  });

  test('cancel settles unfinished items as cancelled, keeping finished ones', () => {
    const settled = new Map<number, TaskStatus>([[0, { state: 'completed', exitCode: 0 }]]);
    const view = computeRun(snapshot({ count: 2, job: o.activeJob, cancelled: true, settled }));
    expect([...view.status.tasks!.values()].map((t) => t.state)).toEqual(['completed', 'cancelled']);
    expect(view.status.state).toBe('cancelled');
  });
});
