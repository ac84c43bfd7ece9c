"""Capstone projects: Go programs checked black-box, stage by stage.

Public functions: load_projects, find_project, validate_project (catalogue); read_module,
unpack_archive (module); check_project (harness); run_tester, enqueue_tester (runs);
record_run, stage_states, stage_items, mark_stage_done, project_history (submissions).
"""
