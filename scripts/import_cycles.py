"""List the import cycles of aquatiris_portal, module by module.

grimp (the graph behind lint-imports) records every import statement,
those inside functions too, so a cycle hidden by a "late" import shows
here. Prints each strongly connected component with its edges (and line
numbers); exits 1 when there is any. Run: .venv/bin/python scripts/import_cycles.py
"""

import sys

import grimp


def strongly_connected(graph, modules):
    """Tarjan's algorithm, iterative (no recursion limit)."""
    index, low, on_stack, stack, result, counter = {}, {}, set(), [], [], [0]
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        result.append(sorted(component))
    return result


def main(package="aquatiris_portal"):
    graph = grimp.build_graph(package, cache_dir=None)
    modules = set(graph.modules)
    components = strongly_connected(graph, modules)
    total = sum(len(graph.find_modules_directly_imported_by(m) & modules) for m in modules)
    print(f"{len(modules)} modules, {total} imports between them (function-level imports included)")
    for component in components:
        print(f"cycle of {len(component)} modules:")
        members = set(component)
        for module in component:
            for imported in sorted(graph.find_modules_directly_imported_by(module) & members):
                lines = sorted({d["line_number"] for d in graph.get_import_details(importer=module, imported=imported)})
                print(f"  {module} -> {imported} (l.{', '.join(map(str, lines))})")
    if not components:
        print("no import cycle")
    return 1 if components else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
