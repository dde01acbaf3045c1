"""Health record files in, normalized vault rows out.

detect.plan turns files and folders into import units (format judged by content);
pipeline.import_unit reads one unit in one transaction: a parser per format (fhir,
apple_health, ccda, synthea_csv, insight_json) hands rows to writer.Writer, which
stages them as Arrow and writes them with the normalizing SQL of sql.py (units.py and
resources/ for units, ranges and codes). Hostile XML is handled by xmlsafe.
"""
