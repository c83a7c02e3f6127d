CREATE TYPE "public"."case_channel" AS ENUM('link', 'walk_in', 'batch_import');--> statement-breakpoint
CREATE TYPE "public"."case_status" AS ENUM('submitted', 'screening', 'on_hold', 'interview_scheduled', 'interviewed', 'eligible', 'ineligible', 'appealed', 'proposed', 'assigned', 'withdrawn', 'merged');--> statement-breakpoint
CREATE TABLE "applications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"reference" text NOT NULL,
	"ministry" text NOT NULL,
	"status" "case_status" DEFAULT 'submitted' NOT NULL,
	"channel" "case_channel" NOT NULL,
	"applicant_user_id" uuid,
	"committee_id" uuid,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "applications_reference_unique" UNIQUE("reference")
);
--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_ministry_ministries_code_fk" FOREIGN KEY ("ministry") REFERENCES "public"."ministries"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_applicant_user_id_users_id_fk" FOREIGN KEY ("applicant_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_committee_id_committees_id_fk" FOREIGN KEY ("committee_id") REFERENCES "public"."committees"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "applications_ministry_status_idx" ON "applications" USING btree ("ministry","status");--> statement-breakpoint
CREATE INDEX "applications_applicant_idx" ON "applications" USING btree ("applicant_user_id");--> statement-breakpoint
CREATE INDEX "applications_committee_idx" ON "applications" USING btree ("committee_id");