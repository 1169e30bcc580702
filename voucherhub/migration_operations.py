"""A migration operation that drops Django's ``varchar_pattern_ops`` twin of a column's index.

On PostgreSQL Django gives every indexed or unique ``CharField`` (primary keys included) a second
index, ``<name>_like``, for ``LIKE 'abc%'`` lookups. Nothing looks our id columns up that way, and
each index costs every insert and the bulk loader time, so migrations of any app drop them with this.
"""

from django.db import migrations


class DropPatternOpsIndex(migrations.operations.base.Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, field_name: str):
        self.model_name = model_name
        self.field_name = field_name

    def state_forwards(self, app_label, state):
        pass  # the _like index is not part of the model state

    def _model_field(self, app_label, state):
        model = state.apps.get_model(app_label, self.model_name)
        return model, model._meta.get_field(self.field_name)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model, field = self._model_field(app_label, to_state)
        name = schema_editor._create_index_name(model._meta.db_table, [field.column], suffix="_like")
        schema_editor.execute(schema_editor._delete_index_sql(model, name))  # DROP INDEX IF EXISTS

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model, field = self._model_field(app_label, to_state)
        if statement := schema_editor._create_like_index_sql(model, field):
            schema_editor.execute(statement)

    def describe(self):
        return f"Drop the varchar_pattern_ops index of {self.model_name}.{self.field_name}"
