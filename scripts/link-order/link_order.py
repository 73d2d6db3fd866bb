#!/usr/bin/env python3
"""link_order.py - the steps of scripts/link-order/link-order.sh (which runs them in order).

  link_order.py relink KEEP OUT MAP    reruns the link kept by cc-save.sh in KEEP into OUT,
                                       every .text.* section of the LTO object 4 KiB-aligned
                                       (one function per page) and without any ordering file,
                                       writing lld's link map to MAP
  link_order.py trace BIN_DIR PORT OUT runs the local platform on BIN_DIR with one instance
                                       per function under the pagetrace.so preload (in OUT),
                                       makes the warm requests, writes OUT/<function>.pages
  link_order.py order MAP PAGES        prints the symbols of the .text sections that hold the
                                       traced pages, first run first (an ordering file)
  link_order.py link KEEP OUT ORDER    reruns the link kept in KEEP into OUT with the ordering
                                       file ORDER
"""
import bisect
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def relink(keep, out, map_path):
    args = shlex.split(open(os.path.join(keep, "link.sh")).read())
    args = [a for a in args if "symbol-ordering" not in a]
    for i, a in enumerate(args):
        if a.endswith(".rcgu.o"):
            aligned = a + ".aligned.o"
            subprocess.run(["objcopy", "--wildcard", "--set-section-alignment",
                            ".text.*=4096", a, aligned], check=True)
            args[i] = aligned
    args[args.index("-o") + 1] = out
    subprocess.run(args + [f"-Wl,-Map={map_path}"], check=True)


def link(keep, out, order_path):
    args = shlex.split(open(os.path.join(keep, "link.sh")).read())
    args = [a for a in args if "symbol-ordering" not in a]
    args[args.index("-o") + 1] = out
    ordering = [f"-Wl,--symbol-ordering-file={order_path}", "-Wl,--no-warn-symbol-ordering"]
    subprocess.run(args + ordering, check=True)


def trace(bin_dir, port, out):
    base = f"http://127.0.0.1:{port}"
    traces = os.path.join(out, "pages")
    os.makedirs(traces, exist_ok=True)
    data = tempfile.mkdtemp()
    log = open(os.path.join(out, "platform.log"), "w")
    platform = subprocess.Popen(
        [os.path.join(bin_dir, "local-platform"), "dev", "--port", str(port),
         "--data-dir", data, "--bin-dir", bin_dir, "--min-instances", "1", "--max-instances", "1",
         "--env", "LD_PRELOAD=" + os.path.join(out, "pagetrace.so"),
         "--env", "PAGETRACE_DIR=" + traces], stdout=log, stderr=log)

    def call(method, path, body=None, token=None):
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = "Bearer " + token
        request = urllib.request.Request(base + path, method=method, headers=headers,
                                         data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(base + "/_local/status.json") as answer:
                    status = json.load(answer)
                if all(f["instances"] for f in status["functions"]):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        time.sleep(2)
        # The warm requests: every route of both functions, three times.
        statuses = []
        for round in range(3):
            user = {"userName": f"order{round}", "password": f"order-password-{round}"}
            statuses.append(call("POST", "/api/register", user)[0])
            status, body = call("POST", "/api/login/account", user)
            statuses.append(status)
            token = json.loads(body)["token"]
            statuses.append(call("GET", "/api/currentUser", token=token)[0])
            status, body = call("POST", "/api/rule", {"name": "buy milk", "desc": "2 litres"}, token)
            statuses.append(status)
            key = json.loads(body)["key"]
            for method, path, body in [
                ("GET", "/api/rule?current=1&pageSize=10", None),
                ("GET", f"/api/rule/{key}", None),
                ("GET", "/api/rule/not-a-key", None),
                ("PUT", f"/api/rule/{key}", {"status": 1}),
                ("POST", "/api/rule", {"method": "update", "key": key, "progress": 50}),
                ("DELETE", f"/api/rule/{key}", None),
                ("GET", "/api/rule?current=1&pageSize=10", None),
                ("POST", "/api/login/outLogin", None),
            ]:
                statuses.append(call(method, path, body, token)[0])
        print("statuses:", " ".join(map(str, statuses)), file=sys.stderr)
        with urllib.request.urlopen(base + "/_local/status.json") as answer:
            status = json.load(answer)
        for function in status["functions"]:
            (instance,) = function["instances"]
            pages = os.path.join(traces, f"{instance['pid']}.pages")
            os.replace(pages, os.path.join(out, f"{function['name']}.pages"))
    finally:
        platform.terminate()
        platform.wait()


def order(map_path, pages_path):
    line = re.compile(r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+ (\s*)(\S.*)$")
    sections, output = [], None  # [start, end, section name, [symbols]]
    for text in open(map_path):
        m = line.match(text)
        if not m:
            continue
        vma, size, indent, name = int(m[1], 16), int(m[2], 16), len(m[3]), m[4]
        if indent == 0:
            output = name
        elif indent == 8 and output == ".text" and size:
            section = re.search(r":\((\.text[^)]*)\)$", name)
            sections.append([vma, vma + size, section[1] if section else name, []])
        elif indent == 16 and output == ".text" and sections:
            sections[-1][3].append(name)
    starts = [s[0] for s in sections]
    seen, names, size = set(), [], 0
    for text in open(pages_path):
        page = int(text, 16)
        i = max(bisect.bisect_right(starts, page) - 1, 0)
        while i < len(sections) and sections[i][0] < page + 4096:
            start, end, section, symbols = sections[i]
            i += 1
            if end <= page or start in seen:
                continue
            seen.add(start)
            size += end - start
            # Rust's sections are .text[.unlikely].<mangled name>; the map shows names
            # demangled, so take the section's. C objects without function sections: symbols.
            if section.startswith(".text."):
                names.append(re.sub(r"^\.text\.(unlikely\.|hot\.|startup\.|exit\.|split\.)?", "", section))
            else:
                names.extend(symbols)
    unique = list(dict.fromkeys(names))
    print(f"{pages_path}: {len(seen)} of {len(sections)} sections, {size / 1048576:.2f} MiB",
          file=sys.stderr)
    print("\n".join(unique))


if __name__ == "__main__":
    step, args = sys.argv[1], sys.argv[2:]
    steps = {"relink": relink, "order": order, "link": link}
    steps.get(step, lambda *a: trace(a[0], int(a[1]), a[2]))(*args)
