# {{no_such_value}}
