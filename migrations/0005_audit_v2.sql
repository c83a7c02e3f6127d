ALTER TABLE "audit_log" ADD COLUMN "case_id" uuid;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "ministry" text;--> statement-breakpoint
CREATE INDEX "audit_log_case_idx" ON "audit_log" USING btree ("case_id","seq");--> statement-breakpoint
CREATE INDEX "audit_log_ministry_idx" ON "audit_log" USING btree ("ministry","seq");