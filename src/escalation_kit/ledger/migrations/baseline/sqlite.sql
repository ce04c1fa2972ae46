-- The ledger's schema at revision 0001 (escalation-kit before migrations), for sqlite.
-- Frozen: generated once from the 0.1 create_all; never edit.

CREATE TABLE customers (
	tenant_id VARCHAR(36) NOT NULL, 
	name TEXT NOT NULL, 
	country VARCHAR(2), 
	region VARCHAR(32) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (tenant_id)
);

CREATE TABLE escalations (
	escalation_id VARCHAR(64) NOT NULL, 
	content_key VARCHAR(128) NOT NULL, 
	tracking_tag VARCHAR(32) NOT NULL, 
	category VARCHAR(40) NOT NULL, 
	severity VARCHAR(16) NOT NULL, 
	status VARCHAR(24) NOT NULL, 
	title TEXT NOT NULL, 
	service VARCHAR(100) NOT NULL, 
	region VARCHAR(32) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	country VARCHAR(2), 
	cluster_id VARCHAR(64) NOT NULL, 
	package JSON, 
	service_request_id VARCHAR(64), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	filed_at DATETIME, 
	resolved_at DATETIME, 
	customer_notified_at DATETIME, 
	PRIMARY KEY (escalation_id), 
	UNIQUE (content_key), 
	UNIQUE (tracking_tag), 
	UNIQUE (service_request_id)
);

CREATE INDEX ix_escalations_category ON escalations (category);

CREATE INDEX ix_escalations_created_at ON escalations (created_at);

CREATE INDEX ix_escalations_region_category ON escalations (region, category);

CREATE INDEX ix_escalations_status ON escalations (status);

CREATE TABLE events (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR(200) NOT NULL, 
	entity VARCHAR(32) NOT NULL, 
	entity_id VARCHAR(200) NOT NULL, 
	action VARCHAR(64) NOT NULL, 
	detail JSON NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_events_at ON events (at);

CREATE INDEX ix_events_entity ON events (entity, entity_id);

CREATE TABLE health_issues (
	tenant_id VARCHAR(36) NOT NULL, 
	issue_id VARCHAR(64) NOT NULL, 
	service VARCHAR(100) NOT NULL, 
	status VARCHAR(64) NOT NULL, 
	classification VARCHAR(64) NOT NULL, 
	is_resolved BOOLEAN NOT NULL, 
	start DATETIME, 
	"end" DATETIME, 
	last_modified DATETIME, 
	payload JSON NOT NULL, 
	fetched_at DATETIME NOT NULL, 
	PRIMARY KEY (tenant_id, issue_id)
);

CREATE TABLE health_syncs (
	tenant_id VARCHAR(36) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	reason TEXT NOT NULL, 
	synced_at DATETIME NOT NULL, 
	watermark DATETIME, 
	PRIMARY KEY (tenant_id)
);

CREATE TABLE tickets (
	ticket_id VARCHAR(200) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	customer_name TEXT NOT NULL, 
	country VARCHAR(2), 
	region VARCHAR(32) NOT NULL, 
	service TEXT NOT NULL, 
	normalized_service VARCHAR(100), 
	title TEXT NOT NULL, 
	description TEXT NOT NULL, 
	reported_at DATETIME NOT NULL, 
	users_affected INTEGER, 
	imported_at DATETIME NOT NULL, 
	PRIMARY KEY (ticket_id)
);

CREATE INDEX ix_tickets_reported_at ON tickets (reported_at);

CREATE INDEX ix_tickets_tenant_id ON tickets (tenant_id);

CREATE TABLE triage_decisions (
	id INTEGER NOT NULL, 
	ticket_id VARCHAR(200) NOT NULL, 
	run_id VARCHAR(64) NOT NULL, 
	category VARCHAR(40) NOT NULL, 
	escalate BOOLEAN NOT NULL, 
	matched_issue_id VARCHAR(64) NOT NULL, 
	cluster_id VARCHAR(64) NOT NULL, 
	region VARCHAR(32) NOT NULL, 
	service VARCHAR(100) NOT NULL, 
	severity VARCHAR(16) NOT NULL, 
	confidence FLOAT NOT NULL, 
	reasons TEXT NOT NULL, 
	recommended_action TEXT NOT NULL, 
	decided_at DATETIME NOT NULL, 
	decided_by VARCHAR(200) NOT NULL, 
	is_override BOOLEAN NOT NULL, 
	overrides_id INTEGER, 
	override_reason TEXT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(overrides_id) REFERENCES triage_decisions (id)
);

CREATE INDEX ix_triage_decisions_ticket_id ON triage_decisions (ticket_id);

CREATE UNIQUE INDEX uq_triage_decisions_ticket_run ON triage_decisions (ticket_id, run_id) WHERE is_override = 0;

CREATE TABLE escalation_links (
	escalation_id VARCHAR(64) NOT NULL, 
	ticket_id VARCHAR(200) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	linked_at DATETIME NOT NULL, 
	PRIMARY KEY (escalation_id, ticket_id), 
	CONSTRAINT uq_escalation_links_ticket UNIQUE (ticket_id), 
	FOREIGN KEY(escalation_id) REFERENCES escalations (escalation_id)
);

CREATE TABLE notices (
	notice_id VARCHAR(64) NOT NULL, 
	escalation_id VARCHAR(64), 
	ticket_id VARCHAR(200) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	language VARCHAR(8) NOT NULL, 
	subject TEXT NOT NULL, 
	text TEXT NOT NULL, 
	html TEXT NOT NULL, 
	drafted_at DATETIME NOT NULL, 
	sent_at DATETIME, 
	sent_by VARCHAR(200), 
	PRIMARY KEY (notice_id), 
	FOREIGN KEY(escalation_id) REFERENCES escalations (escalation_id)
);

CREATE TABLE outbox (
	request_id VARCHAR(36) NOT NULL, 
	service_request_id VARCHAR(64) NOT NULL, 
	escalation_id VARCHAR(64), 
	kind VARCHAR(16) NOT NULL, 
	body JSON NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	applied_at DATETIME, 
	created_by VARCHAR(200) NOT NULL, 
	PRIMARY KEY (request_id), 
	FOREIGN KEY(escalation_id) REFERENCES escalations (escalation_id)
);

CREATE INDEX ix_outbox_service_request_id ON outbox (service_request_id);

CREATE TABLE service_requests (
	service_request_id VARCHAR(64) NOT NULL, 
	escalation_id VARCHAR(64), 
	tenant_id VARCHAR(36) NOT NULL, 
	title TEXT NOT NULL, 
	status VARCHAR(24) NOT NULL, 
	severity VARCHAR(16) NOT NULL, 
	created_date DATETIME, 
	last_modified_date DATETIME, 
	last_closed_date DATETIME, 
	notes JSON NOT NULL, 
	synced_at DATETIME NOT NULL, 
	PRIMARY KEY (service_request_id), 
	FOREIGN KEY(escalation_id) REFERENCES escalations (escalation_id)
);

CREATE INDEX ix_service_requests_escalation_id ON service_requests (escalation_id);
