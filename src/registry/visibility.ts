/**
 * exportTo (R18): which view namespaces may see an object. `"*"` everyone, `"."` the object's
 * own namespace, `"~"` nobody, other entries name namespaces. An object exported only to
 * other namespaces is not visible in its own (Istio push_context.go IsServiceVisible).
 */

export interface Visibility {
  star: boolean
  namespaces?: ReadonlySet<string>
}

export const EVERYONE: Visibility = Object.freeze({ star: true })
const NOBODY: Visibility = Object.freeze({ star: false })

export function visibilityOf(exportTo: readonly string[], namespace: string): Visibility {
  if (exportTo.length === 0 || exportTo.includes('*')) return EVERYONE
  const names = new Set<string>()
  for (const entry of exportTo) {
    if (entry === '.') names.add(namespace)
    else if (entry !== '~') names.add(entry)
  }
  return names.size === 0 ? NOBODY : { star: false, namespaces: names }
}

/**
 * Visibilities are immutable, so one compile hands out one object per distinct exportTo (and,
 * for `"."`, namespace) instead of a Set per object.
 */
export class VisibilityCache {
  readonly #known = new Map<string, Visibility>()

  of(exportTo: readonly string[], namespace: string): Visibility {
    if (exportTo.length === 0 || exportTo.includes('*')) return EVERYONE
    const key = exportTo.length === 1 && exportTo[0] === '.' ? namespace : `${namespace} ${JSON.stringify(exportTo)}`
    let visibility = this.#known.get(key)
    if (visibility === undefined) this.#known.set(key, (visibility = visibilityOf(exportTo, namespace)))
    return visibility
  }
}

/** R18.1, R18.3: a view without a namespace sees only what is exported to everyone. */
export function isVisible(visibility: Visibility, viewNamespace: string | undefined): boolean {
  if (visibility.star) return true
  return viewNamespace !== undefined && visibility.namespaces !== undefined && visibility.namespaces.has(viewNamespace)
}

/**
 * The visibility of a name that exists only because of the objects below it (an empty
 * non-terminal, R10.3, R18.2): visible when any of them is. Grown in place while compiling.
 */
export interface SharedVisibility {
  star: boolean
  namespaces: Set<string>
}

export function shareVisibility(into: SharedVisibility, from: Visibility): void {
  if (into.star) return
  if (from.star) into.star = true
  else for (const namespace of from.namespaces ?? []) into.namespaces.add(namespace)
}
