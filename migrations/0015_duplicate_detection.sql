-- Duplicate detection (DESIGN §7, src/modules/applications/applications.duplicates.ts). pg_trgm and
-- btree_gist are trusted extensions: the database owner that runs migrations may create them
-- (PostgreSQL 13+; PGlite loads both in src/db/client.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS btree_gist;--> statement-breakpoint
DROP INDEX "applicants_name_ar_idx";--> statement-breakpoint
-- Rows written before this migration were folded and flagged by the first rules (version 0): start-up
-- folds and flags them again (refreshStaleDuplicates); rows written from now on are version 1.
ALTER TABLE "applicants" ADD COLUMN "dedup_version" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "applicants" ALTER COLUMN "dedup_version" SET DEFAULT 1;--> statement-breakpoint
ALTER TABLE "duplicate_candidates" ADD COLUMN "grade" text;--> statement-breakpoint
ALTER TABLE "duplicate_candidates" ADD COLUMN "evidence" jsonb;--> statement-breakpoint
-- The first rules' pairs, graded until start-up recomputes them: a shared national ID or service number
-- is `likely`; a shared email alone grades nothing (it stays evidence beside a graded match).
DELETE FROM "duplicate_candidates" WHERE NOT ("matched_on" && ARRAY['national_id', 'service_number']);--> statement-breakpoint
UPDATE "duplicate_candidates" SET "grade" = 'likely', "evidence" = (
  SELECT jsonb_agg(jsonb_build_object('field', CASE k WHEN 'national_id' THEN 'nationalId' WHEN 'service_number' THEN 'serviceNumber' ELSE 'email' END, 'how', 'equal'))
  FROM unnest("matched_on") AS k
);--> statement-breakpoint
ALTER TABLE "duplicate_candidates" ALTER COLUMN "grade" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "duplicate_candidates" ALTER COLUMN "evidence" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "duplicate_candidates" DROP COLUMN "matched_on";--> statement-breakpoint
CREATE INDEX "applicants_birth_name_ar_trgm_idx" ON "applicants" USING gist ("birth_date","name_ar_folded" gist_trgm_ops);--> statement-breakpoint
CREATE INDEX "applicants_name_latin_birth_idx" ON "applicants" USING btree ("name_latin_folded","birth_date");--> statement-breakpoint
CREATE INDEX "applicants_name_ar_trgm_idx" ON "applicants" USING gin ("name_ar_folded" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "applicants_name_latin_trgm_idx" ON "applicants" USING gin ("name_latin_folded" gin_trgm_ops);--> statement-breakpoint
ALTER TABLE "duplicate_candidates" ADD CONSTRAINT "duplicate_candidates_grade" CHECK ("duplicate_candidates"."grade" in ('likely', 'possible'));--> statement-breakpoint
ALTER TABLE "duplicate_candidates" ADD CONSTRAINT "duplicate_candidates_not_self" CHECK ("duplicate_candidates"."application_id" <> "duplicate_candidates"."candidate_id");
