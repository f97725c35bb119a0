package proxy

// etlByXactLocked returns the ETL whose current job (xaction) id is id, or
// nil; c.mu is held. AIStore answers an ETL init with that id, and
// AIStore's aisloader then names the ETL by it (to GET through it and to
// stop it), so etlcore takes either.
func (c *control) etlByXactLocked(id string) *etlEntry {
	if id == "" {
		return nil
	}
	for _, e := range c.etls {
		if e.XactID == id {
			return e
		}
	}
	return nil
}
