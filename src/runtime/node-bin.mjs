#!/usr/bin/env node
// The package's `meshdoh` bin. Node cannot load the TypeScript sources by itself (type
// stripping stops at parameter properties and at node_modules), so tsx registers first.
import { register } from 'tsx/esm/api'

register()
await import('./node.ts')
