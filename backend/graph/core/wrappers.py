"""The marker for types that only carry other types: connections, edges, page info, payloads.

The gate lets every field of a Wrapper through, because what such a field holds is ruled where it is
defined; a type that carries data of its own must not be a Wrapper and needs its rows in a rule table.
"""


class Wrapper:
    pass
