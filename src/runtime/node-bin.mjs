#!/usr/bin/env node
// The package's `meshdoh` bin. Node cannot load the TypeScript sources by itself (type
// stripping stops at parameter properties and at node_modules), so tsx registers first.
import process from 'node:process'
import { register } from 'tsx/esm/api'

register()
// `meshdoh vm …` onboards a VM (src/vm/cli.ts); anything else starts the server.
if (process.argv[2] === 'vm') await import('../vm/main.ts')
else await import('./node.ts')
