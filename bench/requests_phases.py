#!/usr/bin/env python3
# The requests of a recorded certification sorted into the phases of a case (decision 0119).
# Record: HVSNAP_REQUESTS_TRACE=/tmp/trace.txt HVSNAP_SERVE_BINARY=build/release/tools/hvsnap \
#           build/release/bench/requests_bench --benchmark_filter='BM_ServedCertify/0/'
# Then:   bench/requests_phases.py /tmp/trace.txt
# A case's order is fixed (conformance/src/case_runner.cpp): arrangement calls and their waits, a
# view before a call, CreateSnapshot, its job's polls, the view after it, the judgement's reads.
# The first CreateSnapshot of a case is the sentinel's set-up (contract §2, CS-INV-9).
# Per case: each phase's requests and what they are (Reset, one a case, is not in the trace).
# The trace holds the suite's operations: its clock calls (Now, Advance) make no request of
# their own over a served fake that tells its clock (decision 0140), so the phases' Now and
# Advance figures are calls, not requests; requests_bench's req_per_case is the wire's count.
import sys, collections
cases = collections.OrderedDict()
for line in open(sys.argv[1]):
    i, w = line.rstrip('\n').split(' ', 1)
    cases.setdefault(int(i), []).append(w)
tot = collections.Counter(); kinds = collections.Counter()
VIEW = ('Get(in a query', 'Query ', 'Assoc Msvm_SnapshotOfVirtualSystem ', 'Assoc Msvm_MostCurrent',
        'Assoc Msvm_CollectedVirtualSystems', 'Assoc Msvm_SnapshotOfVirtualSystemCollection',
        'Assoc Msvm_CollectedSnapshots', 'Assoc Msvm_CollectedCollections')
def kind(w):
    for k in ('Get(in a query', 'Query', 'Get', 'Assoc', 'Invoke', 'Now', 'Advance', 'Enumerate', 'Refs', 'Set'):
        if w.startswith(k): return 'Get' if k.startswith('Get') else ('Now' if k.startswith('Now') else k)
    return w
for i, ops in cases.items():
    st = 'arr'; ncs = 0; prev = ''
    for w in ops:
        who = 'set-up (sentinel)' if ncs <= 1 else 'later calls'
        if w == 'Invoke CreateSnapshot':
            ncs += 1; st = 'poll'; ph = 'CreateSnapshot'
        elif w.startswith('Invoke') and w != 'Invoke GetErrorEx':
            st = 'arr'; ph = 'arrangement calls'
        elif st == 'arr' and (w == 'Get Msvm_ConcreteJob' or w.startswith('Advance')):
            st = 'arrwait'; ph = 'arrangement waits (jobs)'
        elif st == 'arrwait' and (w == 'Get Msvm_ConcreteJob' or w.startswith('Advance')):
            ph = 'arrangement waits (jobs)'
        elif st == 'arrwait' and w.startswith(('Get(in a query', 'Query')):
            st = 'arrvm'; ph = 'arrangement waits (VM state)'
        elif st == 'arrvm' and w.startswith(('Get(in a query', 'Query', 'Advance')):
            ph = 'arrangement waits (VM state)'
        elif st == 'poll' and (w == 'Get Msvm_ConcreteJob' or w.startswith('Advance') or w == 'Invoke GetErrorEx'):
            ph = 'judged job polls'
        elif st in ('poll', 'after') and w.startswith(VIEW):
            st = 'after'; ph = 'view after a call'
        elif st == 'after' and w == 'Get Msvm_ConcreteJob':
            ph = 'view after a call (watched jobs)'
        elif st == 'after' and w.startswith('Now'):
            st = 'judge'; ph = 'view after a call (clock)'
        elif st == 'after' and w.startswith('Advance'):
            st = 'poll'; ph = 'visibility wait'
        elif st == 'judge' and w.startswith(('Get Msvm_SnapshotCollection', 'Get Msvm_VirtualSystemSettingData', 'Get Msvm_ConcreteJob', 'Assoc Msvm_AffectedJobElement', 'Assoc Msvm_CollectedSnapshots')):
            ph = 'judgement reads (CS-READ-2, AffectedJobElement, CS-INV-6)'
        elif st in ('arr', 'arrvm', 'before', 'judge', 'arrwait') and w.startswith(VIEW + ('Get Msvm_ConcreteJob','Get Msvm_SnapshotCollection')):
            st = 'before'; ph = 'view before a call'
        elif st == 'before' and w.startswith('Now'):
            ph = 'view before a call (clock)'
        elif w.startswith('Advance'):
            ph = 'other waits'
        else:
            ph = 'other'
        if ph in ('view before a call', 'view before a call (clock)', 'CreateSnapshot', 'judged job polls') or ph.startswith('view after') or ph.startswith('judgement'):
            ph = f'{ph} [{"set-up (sentinel)" if ncs <= 1 and not (ph.startswith("view before") and ncs == 1) else "later calls"}]'
        tot[ph] += 1; kinds[(ph, kind(w))] += 1
n = len(cases)
print(f'{n} cases, {sum(tot.values())/n:.2f} ops a case (without Reset)')
for ph, c in sorted(tot.items(), key=lambda x: -x[1]):
    ks = ', '.join(f'{k} {v/n:.2f}' for (p, k), v in sorted(kinds.items()) if p == ph)
    print(f'{c/n:6.2f}  {ph:70s} {ks}')
