#!/usr/bin/env python3
"""Checks the release artifacts in dist/ and prints what a release would publish.

Python 3 standard library only. Reads the expected names from package.json
(name, license, peer dependencies, jsii targets) and checks:

- npm: the tarball's files (compiled library, .jsii, every bundled handler,
  README.md, LICENSE, API.md; nothing of the development tree) and its
  package.json (name, version, license, peer dependencies);
- .jsii (from the tarball): name, version, targets, fingerprint, no error diagnostics;
- PyPI: the wheel's METADATA (Name, Version, License, Requires-Dist) and its module;
- Maven: jar, sources jar, javadoc jar and pom; the pom has what Central requires
  (groupId, artifactId, version, name, description, url, licenses, developers, scm);
- Go: dist/go/<package>/go.mod declares the configured module, and its version file.

Modes:
  (default)   the artifacts must carry package.json's version (0.0.0 outside a release).
  --release   they must carry the version bump wrote to dist/version.txt (not 0.0.0):
              the gate before publishing.
  --bump      first runs `npx projen bump` and then, whatever happens, `npx projen
              unbump`, to print the next release's version; package.json is left as it was.

Exit status 0 when every check passes, 1 otherwise. Usage:
  python3 test/release/check_artifacts.py [--root DIR] [--release | --bump]
"""
import argparse
import email.parser
import json
import os
import re
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
import zipfile

# Files of the development tree that must never reach the npm package (docs/
# ships: the README shows docs/architecture.png by a relative link).
FORBIDDEN_IN_NPM = re.compile(
    r'^(src|test|examples|bench|rosetta|projenrc|coverage|test-reports|node_modules|cdk\.out|'
    r'\.venv|\.smoke|\.demo|\.ci|\.projen|\.github)/'
    r'|^(\.projenrc\.ts|tsconfig\.dev\.json|\.eslintrc\.json|\.jsii\.tabl\.json|package-lock\.json)$'
)
# What every jsii wheel needs at run time (jsii-pacmak 1.140 no longer adds
# typeguard: the jsii runtime checks the types itself).
REQUIRED_PYTHON_DEPS = ('aws-cdk-lib', 'constructs', 'jsii', 'publication')
POM_NS = {'m': 'http://maven.apache.org/POM/4.0.0'}


class Report:
    def __init__(self):
        self.failures = []
        self.rows = []

    def check(self, ok, message):
        if not ok:
            self.failures.append(message)
        return ok

    def row(self, artifact, path, version, size, destination):
        self.rows.append((artifact, path, version, size, destination))


def human(size):
    for unit in ('B', 'KB', 'MB'):
        if size < 1024 or unit == 'MB':
            return f'{size:.0f} {unit}' if unit == 'B' else f'{size:.1f} {unit}'
        size /= 1024
    return str(size)


def only(paths, what, report):
    if not report.check(len(paths) == 1, f'{what}: expected exactly one, found {len(paths)} ({", ".join(paths) or "none"})'):
        return None
    return paths[0]


def handler_bundles(root):
    """assets/<dir>/<name>.lambda/index.js for every src/**/<name>.lambda.ts, as projen bundles them."""
    bundles = []
    src = os.path.join(root, 'src')
    for dirpath, _, files in os.walk(src):
        for f in files:
            if f.endswith('.lambda.ts'):
                rel = os.path.relpath(os.path.join(dirpath, f[:-len('.ts')]), src).replace(os.sep, '/')
                bundles.append(f'assets/{rel}/index.js')
    return sorted(bundles)


# --- npm and .jsii -----------------------------------------------------------

def check_npm(root, dist, pkg, version, report):
    js = os.path.join(dist, 'js')
    tgz = only(sorted(f for f in os.listdir(js) if f.endswith('.tgz')) if os.path.isdir(js) else [], 'npm tarball in dist/js', report)
    if not tgz:
        return None
    path = os.path.join(js, tgz)
    with tarfile.open(path, 'r:gz') as tar:
        names = [m.name[len('package/'):] for m in tar.getmembers() if m.isfile() and m.name.startswith('package/')]
        inner_pkg = json.load(tar.extractfile('package/package.json')) if 'package.json' in names else {}
        assembly = json.load(tar.extractfile('package/.jsii')) if '.jsii' in names else None
    required = ['lib/index.js', 'lib/index.d.ts', '.jsii', 'package.json', 'README.md', 'LICENSE', 'API.md'] + handler_bundles(root)
    for f in required:
        report.check(f in names, f'npm: {tgz} lacks {f}')
    strays = sorted(f for f in names if FORBIDDEN_IN_NPM.search(f))
    report.check(not strays, f'npm: {tgz} ships files of the development tree: {", ".join(strays[:10])}')
    report.check(inner_pkg.get('name') == pkg['name'], f'npm: name is {inner_pkg.get("name")!r}, expected {pkg["name"]!r}')
    report.check(inner_pkg.get('version') == version, f'npm: version is {inner_pkg.get("version")!r}, expected {version!r}')
    report.check(inner_pkg.get('license') == pkg.get('license'), f'npm: license is {inner_pkg.get("license")!r}, expected {pkg.get("license")!r}')
    for dep, expected in pkg.get('peerDependencies', {}).items():
        got = inner_pkg.get('peerDependencies', {}).get(dep)
        report.check(got == expected, f'npm: peer dependency {dep} is {got!r}, expected {expected!r}')
    for dep in ('aws-cdk-lib', 'constructs'):
        report.check(dep in inner_pkg.get('peerDependencies', {}), f'npm: no peer dependency on {dep}')
    report.row('npm package', os.path.relpath(path, root), inner_pkg.get('version', '?'), os.path.getsize(path), 'npm (registry.npmjs.org)')
    if report.check(assembly is not None, f'jsii: {tgz} has no .jsii assembly'):
        check_assembly(assembly, pkg, version, report)
    return inner_pkg.get('version')


def check_assembly(assembly, pkg, version, report):
    report.check(assembly.get('name') == pkg['name'], f'jsii: assembly name is {assembly.get("name")!r}, expected {pkg["name"]!r}')
    report.check(assembly.get('version') == version, f'jsii: assembly version is {assembly.get("version")!r}, expected {version!r}')
    report.check(bool(assembly.get('fingerprint')), 'jsii: the assembly has no fingerprint')
    targets = assembly.get('targets', {})
    for target in ('js', 'python', 'java', 'go'):
        report.check(target in targets, f'jsii: the assembly has no {target} target')
    configured = pkg.get('jsii', {}).get('targets', {})
    for target, settings in configured.items():
        report.check(targets.get(target) == settings, f'jsii: the assembly\'s {target} target {targets.get(target)!r} differs from package.json {settings!r}')
    errors = [d for d in assembly.get('diagnostics', []) or [] if str(d.get('category', '')).lower() == 'error']
    report.check(not errors, f'jsii: the assembly has {len(errors)} error diagnostics')


# --- PyPI -------------------------------------------------------------------

def check_python(root, dist, pkg, version, report):
    target = pkg['jsii']['targets'].get('python')
    if not report.check(target is not None, 'python: no python target in package.json'):
        return None
    py = os.path.join(dist, 'python')
    files = sorted(os.listdir(py)) if os.path.isdir(py) else []
    wheel = only([f for f in files if f.endswith('.whl')], 'wheel in dist/python', report)
    sdist = only([f for f in files if f.endswith('.tar.gz')], 'source distribution in dist/python', report)
    if not wheel:
        return None
    path = os.path.join(py, wheel)
    with zipfile.ZipFile(path) as whl:
        names = whl.namelist()
        meta_name = next((n for n in names if n.endswith('.dist-info/METADATA')), None)
        if not report.check(meta_name is not None, f'python: {wheel} has no METADATA'):
            return None
        meta = email.parser.Parser().parsestr(whl.read(meta_name).decode('utf-8'))
    report.check(meta['Name'] == target['distName'], f'python: Name is {meta["Name"]!r}, expected {target["distName"]!r}')
    report.check(meta['Version'] == version, f'python: Version is {meta["Version"]!r}, expected {version!r}')
    licence = meta.get('License-Expression') or meta.get('License')
    report.check(licence == pkg.get('license'), f'python: License is {licence!r}, expected {pkg.get("license")!r}')
    requires = [re.split(r'[\s<>=!~;(\[]', r, maxsplit=1)[0].lower() for r in meta.get_all('Requires-Dist') or []]
    for dep in REQUIRED_PYTHON_DEPS:
        report.check(dep in requires, f'python: Requires-Dist lacks {dep}')
    module = target['module']
    report.check(f'{module}/__init__.py' in names, f'python: {wheel} lacks {module}/__init__.py')
    report.check(any(n.startswith(f'{module}/_jsii/') and n.endswith('.jsii.tgz') for n in names), f'python: {wheel} lacks the bundled npm package under {module}/_jsii/')
    report.row('wheel', os.path.relpath(path, root), meta['Version'], os.path.getsize(path), 'PyPI (pypi.org)')
    if sdist:
        spath = os.path.join(py, sdist)
        report.row('sdist', os.path.relpath(spath, root), meta['Version'], os.path.getsize(spath), 'PyPI (pypi.org)')
    return meta['Version']


# --- Maven ------------------------------------------------------------------

def pom_text(pom, path):
    node = pom.find(path, POM_NS)
    return node.text.strip() if node is not None and node.text else None


def check_maven(root, dist, pkg, version, report):
    target = pkg['jsii']['targets'].get('java')
    if not report.check(target is not None, 'maven: no java target in package.json'):
        return None
    group, artifact = target['maven']['groupId'], target['maven']['artifactId']
    base = os.path.join(dist, 'java', *group.split('.'), artifact)
    versions = sorted(os.listdir(base)) if os.path.isdir(base) else []
    found = only([v for v in versions if os.path.isdir(os.path.join(base, v))], f'Maven version directory under {os.path.relpath(base, root)}', report)
    if not found:
        return None
    folder = os.path.join(base, found)
    stem = f'{artifact}-{found}'
    for suffix in ('.jar', '-sources.jar', '-javadoc.jar', '.pom'):
        report.check(os.path.isfile(os.path.join(folder, stem + suffix)), f'maven: {stem}{suffix} is missing (Central requires it)')
    pom_path = os.path.join(folder, stem + '.pom')
    if not os.path.isfile(pom_path):
        return None
    pom = ET.parse(pom_path).getroot()
    expected = {'m:groupId': group, 'm:artifactId': artifact, 'm:version': version}
    for tag, value in expected.items():
        got = pom_text(pom, tag)
        report.check(got == value, f'maven: pom {tag[2:]} is {got!r}, expected {value!r}')
    for tag in ('m:name', 'm:description', 'm:url', 'm:licenses/m:license/m:name', 'm:developers/m:developer/m:name', 'm:scm/m:url', 'm:scm/m:connection'):
        report.check(bool(pom_text(pom, tag)), f'maven: pom has no {tag.replace("m:", "")} (Central requires it)')
    jar = os.path.join(folder, stem + '.jar')
    if os.path.isfile(jar):
        with zipfile.ZipFile(jar) as z:
            report.check(any(n.endswith('.jsii.tgz') for n in z.namelist()), f'maven: {stem}.jar lacks the bundled npm package')
        report.row('jar + pom, sources, javadoc', os.path.relpath(folder, root) + '/', found, sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)), 'Maven Central (Central Portal)')
    return found


# --- Go ---------------------------------------------------------------------

def check_go(root, dist, pkg, version, report):
    target = pkg['jsii']['targets'].get('go')
    if not report.check(target is not None, 'go: no go target in package.json'):
        return None
    package = target.get('packageName') or re.sub(r'[^a-z0-9]', '', pkg['name'].lower())
    folder = os.path.join(dist, 'go', package)
    mod_path = os.path.join(folder, 'go.mod')
    if not report.check(os.path.isfile(mod_path), f'go: {os.path.relpath(mod_path, root)} is missing'):
        return None
    with open(mod_path) as f:
        mod = f.read()
    declared = re.search(r'^module\s+(\S+)', mod, re.M)
    major = int(version.split('.')[0]) if re.match(r'^\d+\.', version) else 0
    expected = f'{target["moduleName"]}/{package}' + (f'/v{major}' if major >= 2 else '')
    report.check(declared is not None and declared.group(1) == expected, f'go: go.mod declares {declared.group(1) if declared else None!r}, expected {expected!r}')
    for dep in ('github.com/aws/aws-cdk-go/awscdk/v2', 'github.com/aws/constructs-go/constructs/v10', 'github.com/aws/jsii-runtime-go'):
        report.check(dep in mod, f'go: go.mod does not require {dep}')
    version_file = os.path.join(folder, 'version')
    got = open(version_file).read().strip() if os.path.isfile(version_file) else None
    report.check(got == version, f'go: {os.path.relpath(version_file, root)} holds {got!r}, expected {version!r}')
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(folder) for f in fs)
    repo = target['moduleName']
    report.row('Go module', os.path.relpath(folder, root) + '/', got or '?', size, f'{repo} (git tag {package}/vX.Y.Z)')
    return got


# --- the run ----------------------------------------------------------------

def bump_and_unbump(root):
    """Runs projen's bump, then unbump whatever happens; returns the next version (or None) and its changelog."""
    for leftover in ('version.txt', 'changelog.md', 'releasetag.txt'):
        try:
            os.remove(os.path.join(root, 'dist', leftover))
        except FileNotFoundError:
            pass
    # The version constraints `release` passes to bump (MAJOR=0 and the like).
    with open(os.path.join(root, '.projen', 'tasks.json')) as f:
        release_env = json.load(f)['tasks'].get('release', {}).get('env', {})
    env = dict(os.environ, **{k: v for k, v in release_env.items() if k != 'RELEASE'})
    try:
        subprocess.run(['npx', 'projen', 'bump'], cwd=root, env=env, check=True)
    finally:
        subprocess.run(['npx', 'projen', 'unbump'], cwd=root, check=True)
    version_file = os.path.join(root, 'dist', 'version.txt')
    if not os.path.isfile(version_file):
        return None, None
    with open(version_file) as f:
        version = f.read().strip()
    changelog = os.path.join(root, 'dist', 'changelog.md')
    return version, (open(changelog).read() if os.path.isfile(changelog) else '')


def run(root, release=False, next_version=None, out=sys.stdout):
    dist = os.path.join(root, 'dist')
    with open(os.path.join(root, 'package.json')) as f:
        pkg = json.load(f)
    report = Report()
    if release:
        version_file = os.path.join(dist, 'version.txt')
        version = open(version_file).read().strip() if os.path.isfile(version_file) else None
        if not report.check(version not in (None, '', '0.0.0'), f'release: dist/version.txt holds {version!r}; run `npx projen release` first'):
            version = version or '0.0.0'
    else:
        version = pkg['version']
    if not os.path.isdir(dist):
        report.check(False, 'dist/ does not exist: run `npx projen build` (or `npx projen release:dry-run`)')
    else:
        for check in (check_npm, check_python, check_maven, check_go):
            check(root, dist, pkg, version, report)

    print(f'Release artifacts of {pkg["name"]}, expected version {version}:', file=out)
    widths = [max(len(str(r[i])) for r in [('artifact', 'path', 'version', 'size', 'destination')] + [(a, p, v, human(s), d) for a, p, v, s, d in report.rows]) for i in range(5)]
    for r in [('artifact', 'path', 'version', 'size', 'destination')] + [(a, p, v, human(s), d) for a, p, v, s, d in report.rows]:
        print(('  ' + '  '.join(str(c).ljust(w) for c, w in zip(r, widths))).rstrip(), file=out)
    if next_version is not None:
        go = pkg['jsii']['targets'].get('go', {})
        go_tag = f', and {go.get("packageName")}/v{next_version} in {go.get("moduleName")}' if go else ''
        print(f'Next release: {next_version}, tagged v{next_version} here{go_tag}. '
              '`npx projen release` builds it at that version; `npx projen publish` publishes it.', file=out)
    for failure in report.failures:
        print(f'FAIL {failure}', file=out)
    print(f'release check: {"passed" if not report.failures else f"{len(report.failures)} failed"}', file=out)
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--root', default=os.getcwd())
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument('--release', action='store_true', help='expect the version in dist/version.txt (the gate before publishing)')
    mode.add_argument('--bump', action='store_true', help='run bump and unbump first to print the next version')
    args = parser.parse_args(argv)
    root = os.path.abspath(args.root)
    next_version = None
    if args.bump:
        next_version, changelog = bump_and_unbump(root)
        if next_version is None:
            print('No release pending: HEAD is a release commit, so bump did nothing.')
        else:
            print(f'--- dist/changelog.md (what publish:git prepends to CHANGELOG.md) ---\n{changelog.strip()}\n---')
    report = run(root, release=args.release, next_version=next_version)
    return 1 if report.failures else 0


if __name__ == '__main__':
    sys.exit(main())
