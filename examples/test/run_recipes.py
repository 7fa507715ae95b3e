#!/usr/bin/python3
"""Runs the hvsnap commands of the documented CI recipes and the Kubernetes manifest against the
fake (docs/ci.md, docs/scale.md; decisions 0046, 0043). The YAML is parsed (python3-yaml), every
shell block that names `hvsnap` runs as written, in a temporary folder, with the hvsnap under
test first on PATH and only the sizes and the target overridden (the fake stands in for the
vendor's provider; smaller sizes keep the test short). Artifact uploads and downloads of the
GitHub recipes are emulated by copying folders, and the gate logic of each recipe is run against
a stand-in hvsnap that exits 0, 1, 3 and 4 in turn.

Usage: run_recipes.py ci|scale HVSNAP WORKDIR FILE...
"""
import json
import os
import re
import shutil
import subprocess
import sys

import yaml

HVSNAP = None
FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL:", msg, flush=True)


def names_hvsnap(script):
    return any(re.match(r"\s*(rc=0;\s*)?hvsnap\s", line) for line in script.splitlines())


def run_block(script, cwd, env, what):
    """Runs a shell block as a CI runner would (sh -e), returns its exit code."""
    os.makedirs(cwd, exist_ok=True)
    print(f"--- {what} (in {cwd})\n{script}", flush=True)
    p = subprocess.run(["sh", "-ec", script], cwd=cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=1200)
    tail = "\n".join(p.stdout.splitlines()[-12:])
    print(f"{tail}\n--- exit {p.returncode}", flush=True)
    return p.returncode


def base_env(extra):
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(os.path.abspath(HVSNAP)) + os.pathsep + env["PATH"]
    env.update({k: str(v) for k, v in extra.items()})
    return env


def stub_hvsnap(workdir):
    """A stand-in hvsnap that exits $STUB_RC (for the gate logic)."""
    d = os.path.join(workdir, "stub-bin")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "hvsnap"), "w") as f:
        f.write("#!/bin/sh\nmkdir -p hvsnap-report\nexit \"$STUB_RC\"\n")
    os.chmod(os.path.join(d, "hvsnap"), 0o755)
    return d


def github_expr(text, values):
    def sub(m):
        key = m.group(1).strip()
        if key in values:
            return str(values[key])
        if key.startswith("secrets."):
            return ""
        raise KeyError(f"unknown expression ${{{{ {key} }}}}")
    return re.sub(r"\$\{\{\s*([^}]*?)\s*\}\}", sub, text)


def requirement_verdicts(result_json):
    with open(result_json) as f:
        r = json.load(f)
    return {x["id"]: x["verdict"] for x in r["requirements"]}, r["verdict"]["verdict"]


def one_run(workdir, env, seed, coverage, sequences, rounds):
    out = os.path.join(workdir, "one-run")
    shutil.rmtree(out, ignore_errors=True)
    p = subprocess.run([HVSNAP, "certify", "--target", "sim:", "--seed", str(seed), "--coverage",
                        coverage, "--sequences", str(sequences), "--parallel-rounds", str(rounds),
                        "--budget", "0", "--quiet", "--out", out], env=env,
                       stdout=subprocess.DEVNULL)
    if p.returncode not in (0, 1, 4):
        fail(f"the unsharded run exited {p.returncode}")
    return requirement_verdicts(os.path.join(out, "result.json"))


# --- CI recipes (docs/ci/) ---

def github_gate(doc, workdir):
    jobs = doc["jobs"]
    wsman = jobs["wsman"]
    env = dict(doc.get("env", {}))
    env.update(wsman.get("env", {}))
    env = {k: github_expr(str(v), {}) for k, v in env.items()}
    env["HVSNAP_TARGET"] = "sim:"  # the fake stands in for the provider
    cwd = os.path.join(workdir, "github")
    ran = 0
    for step in wsman["steps"]:
        script = step.get("run")
        if not script or not names_hvsnap(script):
            continue
        ran += 1
        output = os.path.join(cwd, "github-output")
        code = run_block(script, cwd, base_env(dict(env, GITHUB_OUTPUT=output)),
                         "github " + step.get("name", "?"))
        if code != 0:
            fail(f"github-actions.yml: step '{step.get('name')}' exited {code} on the fake")
        if step.get("id") == "certify":
            with open(output) as f:
                if "verdict=CERTIFIED" not in f.read():
                    fail("github-actions.yml: the certify step did not output verdict=CERTIFIED")
    if ran < 2:
        fail("github-actions.yml: expected a certify and a verify step naming hvsnap")
    # What the recipe publishes exists after its commands ran.
    for step in wsman["steps"]:
        with_ = step.get("with", {})
        paths = str(with_.get("report_paths", "")) + "\n" + str(with_.get("path", ""))
        for p in paths.split():
            if p and not os.path.exists(os.path.join(cwd, p)):
                fail(f"github-actions.yml: step '{step.get('name')}' publishes {p}, not written")
    # The gate: 1 fails, 4 is a warning with its own verdict, 3 fails, 0 passes.
    certify = next(s for s in wsman["steps"] if s.get("id") == "certify")
    stub = stub_hvsnap(workdir)
    for rc, want, verdict in ((0, 0, "CERTIFIED"), (1, 1, "NOT CERTIFIED"),
                              (4, 0, "NOT SUPPORTED"), (3, 3, None)):
        out = os.path.join(workdir, f"gate-{rc}")
        e = base_env(dict(env, GITHUB_OUTPUT=out, STUB_RC=rc))
        e["PATH"] = stub + os.pathsep + e["PATH"]
        code = run_block(certify["run"], os.path.join(workdir, f"gate-{rc}-dir"), e,
                         f"github gate with hvsnap exiting {rc}")
        if code != want:
            fail(f"github-actions.yml: hvsnap exit {rc} made the step exit {code}, not {want}")
        got = open(out).read() if os.path.exists(out) else ""
        if verdict and f"verdict={verdict}\n" not in got:
            fail(f"github-actions.yml: hvsnap exit {rc} did not output verdict={verdict}")
    linked = "\n".join(s.get("run", "") for s in jobs["linked"]["steps"])
    if "-L hvsnap" not in linked or "CMAKE_PREFIX_PATH" not in linked:
        fail("github-actions.yml: the linked job should run the hvsnap-labelled ctest tests")


def gitlab_gate(doc, workdir):
    env = {k: str(v) for k, v in doc.get("variables", {}).items()}
    job = doc["certify:wsman"]
    env.update({k: str(v) for k, v in job.get("variables", {}).items()})
    env["HVSNAP_TARGET"] = "sim:"
    cwd = os.path.join(workdir, "gitlab")
    ran = 0
    for part in ("before_script", "script", "after_script"):
        for line in job.get(part, []):
            if not names_hvsnap(line):
                continue
            ran += 1
            code = run_block(line, cwd, base_env(env), f"gitlab {part}")
            if code != 0:
                fail(f"gitlab-ci.yml: '{line}' exited {code} on the fake")
    if ran < 2:
        fail("gitlab-ci.yml: expected a certify and a verify command")
    if job.get("allow_failure", {}).get("exit_codes") != [4]:
        fail("gitlab-ci.yml: NOT SUPPORTED (exit 4) must be allowed to fail, and nothing else")
    arts = job.get("artifacts", {})
    for p in arts.get("paths", []) + [arts.get("reports", {}).get("junit", "")]:
        if p and not os.path.exists(os.path.join(cwd, p)):
            fail(f"gitlab-ci.yml: artifact {p} was not written")
    if arts.get("when") != "always":
        fail("gitlab-ci.yml: the report must be kept when the gate fails (when: always)")
    linked = "\n".join(doc["certify:linked"]["script"])
    if "-L hvsnap" not in linked:
        fail("gitlab-ci.yml: the linked job should run the hvsnap-labelled ctest tests")


# --- scale (docs/scale/) ---

SMALL = {"SEQUENCES": "32", "PARALLEL_ROUNDS": "6", "COVERAGE": "pairwise"}


def container_env(container):
    return {e["name"]: str(e["value"]) for e in container.get("env", [])}


def kubernetes(docs, workdir):
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    claims = {d["metadata"]["name"] for d in by_kind.get("PersistentVolumeClaim", [])}
    jobs = {d["metadata"]["name"]: d for d in by_kind.get("Job", [])}
    explore = next((j for j in jobs.values() if j["spec"].get("completionMode") == "Indexed"), None)
    if explore is None:
        fail("indexed-job.yaml: no Job with completionMode: Indexed")
        return
    for j in jobs.values():
        if j["apiVersion"] != "batch/v1":
            fail(f"indexed-job.yaml: {j['metadata']['name']} is not batch/v1")
        spec = j["spec"]["template"]["spec"]
        if spec.get("restartPolicy") not in ("Never", "OnFailure"):
            fail(f"indexed-job.yaml: {j['metadata']['name']}: a Job's restartPolicy is Never or OnFailure")
        mounts = {m["name"]: m["mountPath"] for c in spec["containers"] for m in c.get("volumeMounts", [])}
        for v in spec.get("volumes", []):
            claim = v.get("persistentVolumeClaim", {}).get("claimName")
            if claim and claim not in claims:
                fail(f"indexed-job.yaml: volume {v['name']} names the unknown claim {claim}")
            if v["name"] not in mounts:
                fail(f"indexed-job.yaml: volume {v['name']} is not mounted")
        for c in spec["containers"]:
            if c.get("env") and container_env(c).get("RESULTS") not in mounts.values():
                fail(f"indexed-job.yaml: RESULTS of {c['name']} is not where the volume is mounted")
    n = explore["spec"]["completions"]
    shard = explore["spec"]["template"]["spec"]["containers"][0]
    env = container_env(shard)
    if int(env.get("SHARDS", -1)) != n:
        fail(f"indexed-job.yaml: SHARDS={env.get('SHARDS')} but completions: {n}")
    if explore["spec"].get("parallelism", 1) > n:
        fail("indexed-job.yaml: parallelism above completions")
    script = shard["args"][0]
    if "$JOB_COMPLETION_INDEX/$SHARDS" not in script:
        fail("indexed-job.yaml: the shard is not --shard \"$JOB_COMPLETION_INDEX/$SHARDS\"")
    results = os.path.join(workdir, "k8s", "results")
    os.makedirs(results, exist_ok=True)
    for k in range(n):
        e = base_env(dict(env, **SMALL, RESULTS=results, JOB_COMPLETION_INDEX=k))
        code = run_block(script, os.path.join(workdir, "k8s"), e, f"kubernetes shard {k}/{n}")
        if code != 0:
            fail(f"indexed-job.yaml: shard {k} exited {code}")
    merge = next((j for j in jobs.values() if j is not explore), None)
    if merge is None:
        fail("indexed-job.yaml: no merge Job")
        return
    mc = merge["spec"]["template"]["spec"]["containers"][0]
    e = base_env(dict(container_env(mc), RESULTS=results))
    code = run_block(mc["args"][0], os.path.join(workdir, "k8s"), e, "kubernetes merge")
    fleet = json.load(open(os.path.join(results, "merged", "fleet.json")))
    label = fleet["targets"][0]["label"]
    merged, merged_verdict = requirement_verdicts(
        os.path.join(results, "merged", "targets", label, "result.json"))
    one, one_verdict = one_run(workdir, base_env({}), env["SEED"], SMALL["COVERAGE"],
                               SMALL["SEQUENCES"], SMALL["PARALLEL_ROUNDS"])
    if code != (0 if one_verdict == "CERTIFIED" else 4 if one_verdict == "NOT SUPPORTED" else 1):
        fail(f"indexed-job.yaml: the merge exited {code} for a run that is {one_verdict}")
    if merged != one or merged_verdict != one_verdict:
        fail("indexed-job.yaml: the merged shards differ from one run with the same seed: " +
             str({k: (merged.get(k), one.get(k)) for k in one if merged.get(k) != one.get(k)}))
    if fleet["targets"][0]["shards"] != n:
        fail(f"indexed-job.yaml: the merge saw {fleet['targets'][0]['shards']} shards, not {n}")


def github_matrix(doc, workdir):
    env = {k: str(v) for k, v in doc.get("env", {}).items()}
    env.update(SMALL)
    shards = doc["jobs"]["shard"]["strategy"]["matrix"]["shard"]
    if int(env["SHARDS"]) != len(shards):
        fail(f"github-matrix.yml: SHARDS={env['SHARDS']} but the matrix has {len(shards)} shards")
    root = os.path.join(workdir, "matrix")
    artifacts = {}
    for k in shards:
        cwd = os.path.join(root, f"shard-job-{k}")
        for step in doc["jobs"]["shard"]["steps"]:
            if step.get("run") and names_hvsnap(step["run"]):
                code = run_block(github_expr(step["run"], {"matrix.shard": k}), cwd, base_env(env),
                                 f"matrix shard {k}")
                if code != 0:
                    fail(f"github-matrix.yml: shard {k} exited {code}")
            if step.get("uses", "").startswith("actions/upload-artifact"):
                w = step["with"]
                name = github_expr(w["name"], {"matrix.shard": k})
                artifacts[name] = os.path.join(cwd, github_expr(w["path"], {"matrix.shard": k}))
    cwd = os.path.join(root, "merge-job")
    code = None
    for step in doc["jobs"]["merge"]["steps"]:
        if step.get("uses", "").startswith("actions/download-artifact"):
            into = os.path.join(cwd, step["with"]["path"])
            for name, path in artifacts.items():
                shutil.copytree(path, os.path.join(into, name))
        elif step.get("run") and names_hvsnap(step["run"]):
            c = run_block(step["run"], cwd, base_env(env), "matrix " + step.get("name", "?"))
            code = c if code is None else code
            if c != 0:
                fail(f"github-matrix.yml: '{step.get('name')}' exited {c} on the fake")
        elif step.get("uses", "").startswith("mikepenz/action-junit-report"):
            p = os.path.join(cwd, step["with"]["report_paths"])
            if not os.path.exists(p):
                fail(f"github-matrix.yml: {step['with']['report_paths']} was not written")


def main():
    global HVSNAP
    mode, HVSNAP, workdir, *files = sys.argv[1:]
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    for path in files:
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
        name = os.path.basename(path)
        if mode == "ci" and name.startswith("github"):
            github_gate(docs[0], workdir)
        elif mode == "ci" and name.startswith("gitlab"):
            gitlab_gate(docs[0], workdir)
        elif mode == "scale" and name.endswith("indexed-job.yaml"):
            kubernetes(docs, workdir)
        elif mode == "scale" and name.startswith("github"):
            github_matrix(docs[0], workdir)
        else:
            fail(f"{path}: no check for this file in mode {mode}")
    if FAILURES:
        print(f"\n{len(FAILURES)} problem(s):\n- " + "\n- ".join(FAILURES))
        return 1
    print(f"OK: {len(files)} file(s) parsed and their hvsnap commands ran on the fake")
    return 0


if __name__ == "__main__":
    sys.exit(main())
