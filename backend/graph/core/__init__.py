"""What every domain package of the graph builds on: context, loaders, errors, the gate, rules, ids, nodes, pages."""
