"""The packages import each other in one direction only (`[tool.importlinter]` in
pyproject.toml): schemas ← datasets ← quality ← publish ← pipelines."""

from importlinter.cli import lint_imports


def test_imports_flow_one_way(capsys):
    code = lint_imports(no_cache=True, no_logo=True)
    assert code == 0, capsys.readouterr().out
