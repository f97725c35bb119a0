package target

// etlByXact returns the ETL whose current job (xaction) id is id, or nil;
// t.etls.mu is held. AIStore answers an ETL init with that id, and
// AIStore's aisloader then names the ETL by it (etl_name=<id>), so etlcore
// takes either.
func (t *Target) etlByXact(id string) *etlInst {
	if id == "" {
		return nil
	}
	for _, e := range t.etls.etls {
		if e.xact == id {
			return e
		}
	}
	return nil
}
