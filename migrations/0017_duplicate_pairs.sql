-- Reviewed addition: one row per pair instead of one per direction (half the rows a batch writes).
-- Both directions of a pair were always written with the same grade and evidence: the row with the
-- lower id first is kept, and a pair stored in one direction only (none should be) is turned round.
INSERT INTO "duplicate_candidates" ("application_id", "candidate_id", "grade", "evidence", "created_at")
  SELECT "candidate_id", "application_id", "grade", "evidence", "created_at" FROM "duplicate_candidates"
  WHERE "application_id" > "candidate_id"
  ON CONFLICT ("application_id", "candidate_id") DO NOTHING;--> statement-breakpoint
DELETE FROM "duplicate_candidates" WHERE "application_id" > "candidate_id";--> statement-breakpoint
ALTER TABLE "duplicate_candidates" DROP CONSTRAINT "duplicate_candidates_not_self";--> statement-breakpoint
ALTER TABLE "duplicate_candidates" ADD CONSTRAINT "duplicate_candidates_one_per_pair" CHECK ("duplicate_candidates"."application_id" < "duplicate_candidates"."candidate_id");
