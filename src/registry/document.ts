/**
 * A snapshot as the JSON text the stores keep: exactly `JSON.stringify(snapshot)`, but each
 * element's text is remembered by its object, so a push whose elements are mostly carried over
 * from the previous one (revalidate.ts) joins their texts instead of writing all of them again.
 */
import { snapshot as snapshotSchema, type Snapshot } from './schema.ts'

const KEYS = Object.keys(snapshotSchema.shape) as Array<keyof Snapshot>
const texts = new WeakMap<object, string>()

function elementText(element: object): string {
  let text = texts.get(element)
  if (text === undefined) texts.set(element, (text = JSON.stringify(element)))
  return text
}

export function snapshotDocument(snapshot: Snapshot): string {
  const parts: string[] = []
  for (const key of KEYS) {
    const value = snapshot[key]
    if (value === undefined) continue
    const text =
      key === 'services' || key === 'serviceEntries'
        ? `[${(value as object[]).map(elementText).join(',')}]`
        : JSON.stringify(value)
    parts.push(`${JSON.stringify(key)}:${text}`)
  }
  return `{${parts.join(',')}}`
}
