#!/usr/bin/python3
"""Interop: drive `hvsnap serve` with a third-party WS-Man client, Debian's python3-winrm.

Raw envelopes through winrm.protocol.Protocol.send_message (pywinrm's own transport, Basic
authentication): Identify, Enumerate + Pull with WQL, Get, Invoke CreateSnapshot, poll the job
with Get until it ends, then follow Msvm_AffectedJobElement from the job to the snapshot
collection it made. Then the rules of contract §8 / decision 0009 as pywinrm sees them: the WQL
grammar (LIKE, NOT, parentheses, IS NOT NULL, system properties, a projection, an unsupported
construct named in a CannotProcessFilter fault), a Pull without MaxElements carries one item,
MaxEnvelopeSize (below 8192 a fault; at 8192 every answer fits), and the fault shapes pywinrm
decodes (code, subcode, WSManFault code). Exits non-zero naming the step that failed.

usage: pywinrm_interop.py HVSNAP_BINARY
"""
import os
import re
import subprocess
import sys
import ast
import time
import uuid
import xml.etree.ElementTree as ET

import winrm.protocol
from winrm.exceptions import WinRMError

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "n": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
}
WMI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/v2/"
ANON = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
WQL = "http://schemas.microsoft.com/wbem/wsman/1/WQL"


def fail(step, detail):
    print(f"FAIL {step}: {detail}", file=sys.stderr)
    sys.exit(1)


def envelope(action, resource, body="", selectors=None, max_envelope=153600):
    sel = ""
    if selectors:
        sel = "<w:SelectorSet>" + "".join(
            f'<w:Selector Name="{k}">{v}</w:Selector>' for k, v in selectors.items()
        ) + "</w:SelectorSet>"
    # The env: prefix and layout pywinrm itself uses.
    return (
        '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" '
        'xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration">'
        "<env:Header>"
        f"<a:To>http://127.0.0.1/wsman</a:To>"
        f'<a:ReplyTo><a:Address mustUnderstand="true">{ANON}</a:Address></a:ReplyTo>'
        f'<w:MaxEnvelopeSize mustUnderstand="true">{max_envelope}</w:MaxEnvelopeSize>'
        f"<a:MessageID>uuid:{uuid.uuid4()}</a:MessageID>"
        "<w:OperationTimeout>PT20S</w:OperationTimeout>"
        f'<w:ResourceURI mustUnderstand="true">{resource}</w:ResourceURI>'
        f'<a:Action mustUnderstand="true">{action}</a:Action>'
        f"{sel}</env:Header><env:Body>{body}</env:Body></env:Envelope>"
    )


def send(proto, step, xml):
    try:
        text = proto.send_message(xml)
    except Exception as e:  # pywinrm raises on HTTP errors and SOAP faults
        fail(step, f"{type(e).__name__}: {e}")
    root = ET.fromstring(text)
    if root.find(".//s:Fault", NS) is not None:
        fail(step, "SOAP fault: " + text[:400])
    return root


def expect_fault(proto, step, xml, subcode, code=None, wsman_code=None):
    """The request must fail with that fault, as pywinrm decodes it."""
    try:
        proto.send_message(xml)
    except WinRMError as e:
        text = str(e)
        m = re.search(r"extended fault data: (\{.*\})\)$", text)
        if not m:
            fail(step, f"pywinrm raised without fault data: {text}")
        data = ast.literal_eval(m.group(1))
        if data.get("fault_subcode") != subcode:
            fail(step, f"expected {subcode}, got {data}")
        if code and data.get("fault_code") != code:
            fail(step, f"expected {code}, got {data}")
        if wsman_code and data.get("wsmanfault_code") != wsman_code:
            fail(step, f"expected WSManFault Code {wsman_code}, got {data}")
        return data
    fail(step, f"expected the fault {subcode}, the request succeeded")


def local(tag):
    return tag.split("}", 1)[-1]


def props(elem):
    return {local(c.tag): (c.text or "") for c in elem}


def enumerate_all(proto, query):
    body = (
        "<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>1</w:MaxElements>"
        f'<w:Filter Dialect="{WQL}">{query}</w:Filter>'
        "<w:EnumerationMode>EnumerateObjectAndEPR</w:EnumerationMode></n:Enumerate>"
    )
    root = send(proto, f"Enumerate {query}",
                envelope("http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate",
                         WMI + "*", body))
    items = []
    resp = root.find(".//n:EnumerateResponse", NS)
    pulls = 0
    while True:
        for item in resp.iter(f"{{{NS['w']}}}Item"):
            obj = next(c for c in item if local(c.tag) != "EndpointReference")
            epr = item.find("a:EndpointReference", NS)
            items.append((props(obj), epr))
        if resp.find("w:EndOfSequence", NS) is not None or resp.find("n:EndOfSequence", NS) is not None:
            break
        ctx = resp.find("n:EnumerationContext", NS).text
        root = send(proto, f"Pull {query}",
                    envelope("http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull", WMI + "*",
                             f"<n:Pull><n:EnumerationContext>{ctx}</n:EnumerationContext>"
                             "<n:MaxElements>1</n:MaxElements></n:Pull>"))
        resp = root.find(".//n:PullResponse", NS)
        pulls += 1
    return items, pulls


def selectors_of(epr):
    return {s.get("Name"): s.text for s in epr.iter(f"{{{NS['w']}}}Selector")}


def rules(proto, vms, name):
    vm_names = sorted(v[0]["Name"] for v in vms)
    enum = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate"
    pull = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull"

    # WQL as WMI has it: the same VMs through LIKE, NOT, parentheses, IS NOT NULL and a system
    # property; a projection returns only the properties named.
    query = ("SELECT Name, EnabledState FROM Msvm_ComputerSystem WHERE Caption LIKE 'Virtual%' "
             "AND NOT (Name IS NULL) AND (EnabledState = 2 OR EnabledState <> 2) "
             "AND __CLASS = 'Msvm_ComputerSystem'")
    got, _ = enumerate_all(proto, query.replace("<", "&lt;").replace(">", "&gt;"))
    if sorted(g[0]["Name"] for g in got) != vm_names:
        fail("WQL grammar", f"expected {vm_names}, got {[g[0] for g in got]}")
    if any(set(g[0]) != {"Name", "EnabledState"} for g in got):
        fail("WQL projection", f"expected only Name and EnabledState, got {sorted(got[0][0])}")
    print(f"ok   WQL: LIKE, NOT, parentheses, IS NOT NULL, __CLASS and a projection select "
          f"the {len(got)} virtual machines")
    expect_fault(proto, "WQL unsupported", envelope(
        enum, WMI + "*", f'<n:Enumerate><w:Filter Dialect="{WQL}">SELECT * FROM Msvm_ComputerSystem '
        "WHERE __SUPERCLASS = 'CIM_ComputerSystem'</w:Filter></n:Enumerate>"), "n:CannotProcessFilter")
    print("ok   WQL: an unsupported system property is n:CannotProcessFilter")

    # A Pull without MaxElements carries one item (WS-Enumeration's default).
    root = send(proto, "Enumerate (not optimized)", envelope(
        enum, WMI + "*", f'<n:Enumerate><w:Filter Dialect="{WQL}">SELECT * FROM Msvm_ComputerSystem '
        "WHERE Caption = 'Virtual Machine'</w:Filter></n:Enumerate>"))
    ctx = root.find(".//n:EnumerationContext", NS).text
    pulls = []
    while True:
        root = send(proto, "Pull (default size)", envelope(
            pull, WMI + "*", f"<n:Pull><n:EnumerationContext>{ctx}</n:EnumerationContext></n:Pull>"))
        resp = root.find(".//n:PullResponse", NS)
        pulls.append(len(list(resp.find("n:Items", NS))))
        if resp.find("n:EndOfSequence", NS) is not None:
            break
        ctx = resp.find("n:EnumerationContext", NS).text
    if pulls != [1] * len(vm_names):
        fail("Pull default", f"items per Pull {pulls}, expected one each for {len(vm_names)} VMs")
    print(f"ok   a Pull without MaxElements carries one item ({len(pulls)} Pulls)")

    # MaxEnvelopeSize: below 8192 is a fault; at 8192 every answer fits.
    expect_fault(proto, "MaxEnvelopeSize 8000", envelope(
        enum, WMI + "*", f'<n:Enumerate><w:Filter Dialect="{WQL}">SELECT * FROM Msvm_ComputerSystem'
        "</w:Filter></n:Enumerate>", max_envelope=8000), "w:EncodingLimit", "s:Sender", "2150858805")
    text = proto.send_message(envelope(
        enum, WMI + "*", "<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>1000</w:MaxElements>"
        f'<w:Filter Dialect="{WQL}">SELECT * FROM Msvm_ComputerSystem</w:Filter></n:Enumerate>',
        max_envelope=8192))
    if len(text if isinstance(text, bytes) else text.encode("utf-8")) > 8192:
        fail("MaxEnvelopeSize 8192", f"the answer is {len(text)} bytes")
    print("ok   MaxEnvelopeSize: 8000 is w:EncodingLimit (2150858805); an 8192 answer fits")

    # Fault shapes as Windows sends them.
    get = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
    expect_fault(proto, "Get a missing VM", envelope(
        get, WMI + "Msvm_ComputerSystem", selectors={"CreationClassName": "Msvm_ComputerSystem",
                                                     "Name": "NO-SUCH-VM"}),
        "a:DestinationUnreachable", "s:Sender", "2150858752")
    expect_fault(proto, "Get with some keys", envelope(
        get, WMI + "Msvm_ComputerSystem", selectors={"Name": name}),
        "w:InvalidSelectors", "s:Sender", "2150858813")
    expect_fault(proto, "Pull a context nobody opened", envelope(
        pull, WMI + "*", "<n:Pull><n:EnumerationContext>uuid:00000000-0000-4000-8000-000000000000"
        "</n:EnumerationContext></n:Pull>"), "n:InvalidEnumerationContext", "s:Receiver", "2150858779")
    expect_fault(proto, "Resource URI outside WMI", envelope(
        get, "http://example.com/Thing", selectors={"A": "1"}), "w:InvalidResourceURI", "s:Sender",
        "2150858811")
    print("ok   faults: a:DestinationUnreachable, w:InvalidSelectors, n:InvalidEnumerationContext, "
          "w:InvalidResourceURI with Windows' codes")


def main():
    binary = sys.argv[1]
    env = dict(os.environ, HVSNAP_SERVE_CREDENTIALS="interop:pa55word")
    server = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--seed", "3"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        endpoint = None
        for line in server.stdout:
            m = re.search(r"endpoint\s+(http://\S+)", line)
            if m:
                endpoint = m.group(1)
            if line.startswith("Stop with"):
                break
        if not endpoint:
            fail("serve", "hvsnap serve printed no endpoint")
        proto = winrm.protocol.Protocol(endpoint=endpoint, transport="basic",
                                        username="interop", password="pa55word")

        vms, pulls = enumerate_all(proto, "SELECT * FROM Msvm_ComputerSystem WHERE Caption = 'Virtual Machine'")
        if not vms:
            fail("Enumerate", "no virtual machines")
        print(f"ok   Enumerate + {pulls} Pull: {len(vms)} virtual machines")

        name = vms[0][0]["Name"]
        root = send(proto, "Get", envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/Get",
                                           WMI + "Msvm_ComputerSystem",
                                           selectors={"CreationClassName": "Msvm_ComputerSystem",
                                                      "Name": name}))
        got = props(root.find("s:Body", NS)[0])
        if got.get("Name") != name:
            fail("Get", f"asked for {name}, got {got.get('Name')}")
        print(f"ok   Get Msvm_ComputerSystem {name} ({got.get('ElementName')})")

        groups, _ = enumerate_all(proto, "SELECT * FROM Msvm_VirtualSystemCollection")
        if not groups:
            fail("Enumerate", "no VM groups")
        group_epr = groups[0][1]
        services, _ = enumerate_all(proto, "SELECT * FROM Msvm_CollectionSnapshotService")
        if len(services) != 1:
            fail("Enumerate", f"expected one Msvm_CollectionSnapshotService, got {len(services)}")
        service_sel = selectors_of(services[0][1])

        # CreateSnapshot(Collection = the group's EPR, SnapshotType = 2, full).
        ref = ET.tostring(group_epr.find("a:ReferenceParameters", NS), encoding="unicode")
        body = (
            f'<p:CreateSnapshot_INPUT xmlns:p="{WMI}Msvm_CollectionSnapshotService">'
            f'<p:Collection><a:Address>{ANON}</a:Address>{ref}</p:Collection>'
            "<p:SnapshotType>2</p:SnapshotType></p:CreateSnapshot_INPUT>"
        )
        root = send(proto, "Invoke CreateSnapshot",
                    envelope(WMI + "Msvm_CollectionSnapshotService/CreateSnapshot",
                             WMI + "Msvm_CollectionSnapshotService", body, service_sel))
        out = root.find("s:Body", NS)[0]
        rv = out.find(f"{{{WMI}Msvm_CollectionSnapshotService}}ReturnValue").text
        if rv not in ("0", "4096"):
            fail("Invoke CreateSnapshot", f"ReturnValue {rv}")
        job = out.find(f"{{{WMI}Msvm_CollectionSnapshotService}}Job")
        print(f"ok   Invoke CreateSnapshot: ReturnValue {rv}")
        if rv != "4096" or job is None:
            fail("Invoke CreateSnapshot", "expected 4096 and a Job reference on the default fake")

        job_sel = selectors_of(job)
        state = None
        for polls in range(1, 200):
            root = send(proto, "Get job", envelope(
                "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", WMI + "Msvm_ConcreteJob",
                selectors=job_sel))
            p = props(root.find("s:Body", NS)[0])
            state = p.get("JobState")
            if state not in ("2", "3", "4", "5", "6"):  # New, Starting, Running, Suspended, Shutting Down
                break
            time.sleep(0.02)  # the served clock follows real time (decision 0031), as a host's does
        if state != "7":
            fail("poll job", f"the job ended in JobState {state}, not 7 (Completed)")
        print(f"ok   polled the job {polls} times: JobState 7 (Completed), PercentComplete {p.get('PercentComplete')}")

        job_path = 'Msvm_ConcreteJob.InstanceID="{}"'.format(job_sel["InstanceID"])
        affected, _ = enumerate_all(
            proto, f"ASSOCIATORS OF {{{job_path}}} WHERE AssocClass = Msvm_AffectedJobElement "
                   "ResultClass = Msvm_SnapshotCollection")
        if len(affected) != 1:
            fail("Msvm_AffectedJobElement", f"expected the snapshot collection, got {len(affected)}")
        print(f"ok   Msvm_AffectedJobElement -> Msvm_SnapshotCollection {affected[0][0].get('CollectionID')}")
        rules(proto, vms, name)
        print("pywinrm interop: all steps passed")
    finally:
        server.terminate()
        try:
            code = server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            fail("shutdown", "hvsnap serve did not stop on SIGTERM within 10 s")
        rest = server.stdout.read()
        if code != 0 or "stopped" not in rest:
            fail("shutdown", f"hvsnap serve exited {code} on SIGTERM: {rest!r}")


if __name__ == "__main__":
    main()
