CREATE TABLE "applicants" (
	"application_id" uuid PRIMARY KEY NOT NULL,
	"full_name_ar" text NOT NULL,
	"full_name_latin" text,
	"mother_name_ar" text,
	"birth_date" date NOT NULL,
	"birth_place" text,
	"sex" text NOT NULL,
	"national_id" text,
	"service_number" text,
	"phone" text,
	"email" text,
	"residence_country" text,
	"residence_city" text,
	"inside_syria" boolean,
	"branch" text NOT NULL,
	"rank" text NOT NULL,
	"specializations" text[] NOT NULL,
	"education_degree" text,
	"education_field" text,
	"separation_kind" text NOT NULL,
	"separation_date" date,
	"last_unit" text,
	"years_of_service" smallint,
	"preferred_governorates" text[] DEFAULT '{}' NOT NULL,
	"name_ar_folded" text NOT NULL,
	"name_latin_folded" text,
	"email_folded" text,
	"education_field_folded" text,
	"consent_version" text,
	"consented_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_reference_counters" (
	"ministry" text NOT NULL,
	"year" integer NOT NULL,
	"last" integer NOT NULL,
	CONSTRAINT "case_reference_counters_ministry_year_pk" PRIMARY KEY("ministry","year")
);
--> statement-breakpoint
CREATE TABLE "duplicate_candidates" (
	"application_id" uuid NOT NULL,
	"candidate_id" uuid NOT NULL,
	"matched_on" text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "duplicate_candidates_application_id_candidate_id_pk" PRIMARY KEY("application_id","candidate_id")
);
--> statement-breakpoint
ALTER TABLE "applicants" ADD CONSTRAINT "applicants_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_reference_counters" ADD CONSTRAINT "case_reference_counters_ministry_ministries_code_fk" FOREIGN KEY ("ministry") REFERENCES "public"."ministries"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duplicate_candidates" ADD CONSTRAINT "duplicate_candidates_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duplicate_candidates" ADD CONSTRAINT "duplicate_candidates_candidate_id_applications_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "applicants_national_id_idx" ON "applicants" USING btree ("national_id");--> statement-breakpoint
CREATE INDEX "applicants_service_number_idx" ON "applicants" USING btree ("service_number");--> statement-breakpoint
CREATE INDEX "applicants_email_idx" ON "applicants" USING btree ("email_folded");--> statement-breakpoint
CREATE INDEX "applicants_name_ar_idx" ON "applicants" USING btree ("name_ar_folded");--> statement-breakpoint
CREATE INDEX "duplicate_candidates_candidate_idx" ON "duplicate_candidates" USING btree ("candidate_id");