#!/usr/bin/env python3
"""Writes a small, complete set of release artifacts for check_artifacts.py's
tests, optionally broken in one way.

Usage: python3 test/release/fixture.py DIR [--version V] [--release-version V] [BREAKAGE]
BREAKAGE is one of the keys of BREAKAGES (none: the artifacts are complete).
"""
import argparse
import io
import json
import os
import tarfile
import zipfile

NAME = 'demo-lib'
PEERS = {'aws-cdk-lib': '^2.224.0', 'constructs': '^10.0.5'}
TARGETS = {
    'java': {'package': 'io.github.demo', 'maven': {'groupId': 'io.github.demo', 'artifactId': 'demo-lib'}},
    'python': {'distName': 'demo-lib', 'module': 'demo_lib'},
    'go': {'moduleName': 'github.com/demo/demo-lib-go', 'packageName': 'demolib'},
}

BREAKAGES = {
    'none': 'the artifacts are complete',
    'npm-missing-handler': 'npm: demo-lib@{v}.jsii.tgz lacks assets/shipper/shipper.lambda/index.js',
    'npm-missing-readme': 'npm: demo-lib@{v}.jsii.tgz lacks README.md',
    'npm-ships-src': 'npm: demo-lib@{v}.jsii.tgz ships files of the development tree: src/index.ts',
    'npm-ships-venv': 'npm: demo-lib@{v}.jsii.tgz ships files of the development tree: .venv/bin/python',
    'npm-wrong-version': "npm: version is '9.9.9'",
    'npm-no-peer': "npm: no peer dependency on constructs",
    'jsii-no-fingerprint': 'jsii: the assembly has no fingerprint',
    'jsii-error-diagnostic': 'jsii: the assembly has 1 error diagnostics',
    'jsii-no-go-target': 'jsii: the assembly has no go target',
    'wheel-missing-dep': 'python: Requires-Dist lacks publication',
    'wheel-wrong-name': "python: Name is 'other-lib'",
    'wheel-no-module': 'python: demo_lib-{v}-py3-none-any.whl lacks demo_lib/__init__.py',
    'maven-no-javadoc': 'maven: demo-lib-{v}-javadoc.jar is missing',
    'maven-no-sources': 'maven: demo-lib-{v}-sources.jar is missing',
    'pom-no-scm': 'maven: pom has no scm/url',
    'pom-no-developers': 'maven: pom has no developers/developer/name',
    'pom-no-licenses': 'maven: pom has no licenses/license/name',
    'pom-wrong-group': 'Maven version directory under dist/java/io/github/demo/demo-lib: expected exactly one, found 0',
    'go-wrong-module': "go: go.mod declares 'github.com/other/demo-lib-go/demolib'",
    'go-missing': 'go: dist/go/demolib/go.mod is missing',
    'go-wrong-version': "go: dist/go/demolib/version holds '9.9.9'",
}


def tar_add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def write(root, version, breakage):
    dist = os.path.join(root, 'dist')
    pkg = {'name': NAME, 'version': '0.0.0', 'license': 'Apache-2.0', 'peerDependencies': PEERS, 'jsii': {'targets': TARGETS}}
    with open(os.path.join(root, 'package.json'), 'w') as f:
        json.dump(pkg, f)
    os.makedirs(os.path.join(root, 'src', 'shipper'), exist_ok=True)
    open(os.path.join(root, 'src', 'shipper', 'shipper.lambda.ts'), 'w').close()

    # npm
    inner = {'name': NAME, 'version': '9.9.9' if breakage == 'npm-wrong-version' else version, 'license': 'Apache-2.0',
             'peerDependencies': {k: v for k, v in PEERS.items() if not (breakage == 'npm-no-peer' and k == 'constructs')}}
    targets = {'js': {'npm': NAME}, **{k: v for k, v in TARGETS.items() if not (breakage == 'jsii-no-go-target' and k == 'go')}}
    assembly = {'schema': 'jsii/0.10.0', 'name': NAME, 'version': version, 'targets': targets,
                'fingerprint': '' if breakage == 'jsii-no-fingerprint' else 'abc123'}
    if breakage == 'jsii-error-diagnostic':
        assembly['diagnostics'] = [{'category': 'error', 'message': 'broken'}]
    files = {
        'package.json': json.dumps(inner), '.jsii': json.dumps(assembly), 'lib/index.js': '', 'lib/index.d.ts': '',
        'README.md': '# demo', 'LICENSE': 'Apache', 'API.md': '# API', 'assets/shipper/shipper.lambda/index.js': 'x',
    }
    if breakage == 'npm-missing-handler':
        del files['assets/shipper/shipper.lambda/index.js']
    if breakage == 'npm-missing-readme':
        del files['README.md']
    if breakage == 'npm-ships-src':
        files['src/index.ts'] = ''
    if breakage == 'npm-ships-venv':
        files['.venv/bin/python'] = ''
    os.makedirs(os.path.join(dist, 'js'), exist_ok=True)
    tgz = os.path.join(dist, 'js', f'{NAME}@{version}.jsii.tgz')
    with tarfile.open(tgz, 'w:gz') as tar:
        for name, data in files.items():
            tar_add(tar, f'package/{name}', data.encode())

    # PyPI
    os.makedirs(os.path.join(dist, 'python'), exist_ok=True)
    requires = ['aws-cdk-lib<3.0.0,>=2.224.0', 'constructs<11.0.0,>=10.0.5', 'jsii<2.0.0,>=1.140.0', 'publication>=0.0.3']
    if breakage == 'wheel-missing-dep':
        requires = requires[:-1]
    meta = ['Metadata-Version: 2.1', f'Name: {"other-lib" if breakage == "wheel-wrong-name" else "demo-lib"}', f'Version: {version}', 'License: Apache-2.0']
    meta += [f'Requires-Dist: {r}' for r in requires]
    with zipfile.ZipFile(os.path.join(dist, 'python', f'demo_lib-{version}-py3-none-any.whl'), 'w') as whl:
        whl.writestr(f'demo_lib-{version}.dist-info/METADATA', '\n'.join(meta) + '\n\n# demo\n')
        if breakage != 'wheel-no-module':
            whl.writestr('demo_lib/__init__.py', '')
        whl.writestr(f'demo_lib/_jsii/{NAME}@{version}.jsii.tgz', '')
    with tarfile.open(os.path.join(dist, 'python', f'demo_lib-{version}.tar.gz'), 'w:gz') as tar:
        tar_add(tar, f'demo_lib-{version}/setup.py', b'')

    # Maven
    group = 'io.github.other' if breakage == 'pom-wrong-group' else 'io.github.demo'
    folder = os.path.join(dist, 'java', *group.split('.'), 'demo-lib', version)
    os.makedirs(folder, exist_ok=True)
    stem = os.path.join(folder, f'demo-lib-{version}')
    with zipfile.ZipFile(stem + '.jar', 'w') as jar:
        jar.writestr(f'io/github/demo/{NAME}@{version}.jsii.tgz', '')
    for suffix in ('-sources.jar', '-javadoc.jar'):
        if breakage == {'-sources.jar': 'maven-no-sources', '-javadoc.jar': 'maven-no-javadoc'}[suffix]:
            continue
        with zipfile.ZipFile(stem + suffix, 'w') as jar:
            jar.writestr('README', '')
    parts = {
        'licenses': '<licenses><license><name>Apache License 2.0</name></license></licenses>',
        'developers': '<developers><developer><name>demo maintainers</name></developer></developers>',
        'scm': '<scm><connection>scm:git:https://github.com/demo/demo-lib.git</connection><url>https://github.com/demo/demo-lib.git</url></scm>',
    }
    for part in ('licenses', 'developers', 'scm'):
        if breakage == f'pom-no-{part}':
            parts[part] = ''
    with open(stem + '.pom', 'w') as f:
        f.write(f'''<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>{group}</groupId><artifactId>demo-lib</artifactId><version>{version}</version>
  <name>demo-lib</name><description>A demo.</description><url>https://github.com/demo/demo-lib.git</url>
  {parts["licenses"]}{parts["developers"]}{parts["scm"]}
</project>
''')

    # Go
    if breakage != 'go-missing':
        go = os.path.join(dist, 'go', 'demolib')
        os.makedirs(go, exist_ok=True)
        owner = 'other' if breakage == 'go-wrong-module' else 'demo'
        with open(os.path.join(go, 'go.mod'), 'w') as f:
            f.write(f'module github.com/{owner}/demo-lib-go/demolib\n\ngo 1.25\n\nrequire (\n'
                    '\tgithub.com/aws/jsii-runtime-go v1.140.0\n\tgithub.com/aws/aws-cdk-go/awscdk/v2 v2.224.0\n'
                    '\tgithub.com/aws/constructs-go/constructs/v10 v10.0.5\n)\n')
        with open(os.path.join(go, 'version'), 'w') as f:
            f.write('9.9.9' if breakage == 'go-wrong-version' else version)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('dir', nargs='?')
    parser.add_argument('breakage', nargs='?', default='none', choices=sorted(BREAKAGES))
    parser.add_argument('--version', default='0.0.0', help='the version the artifacts carry')
    parser.add_argument('--release-version', help='write dist/version.txt, as bump does')
    parser.add_argument('--list', action='store_true', help='print the breakages and their expected messages as JSON')
    args = parser.parse_args()
    if args.list:
        print(json.dumps(BREAKAGES))
        return
    write(args.dir, args.version, args.breakage)
    if args.release_version:
        with open(os.path.join(args.dir, 'dist', 'version.txt'), 'w') as f:
            f.write(args.release_version)


if __name__ == '__main__':
    main()
