// `routebench doctor`: is the evidence each claim needs reachable on this target, and if not, the fix.
export { runDoctor, rowsFor, DoctorOptionsSchema, DOCTOR_CLAIMS, CLAIM_NEEDS, type DoctorOptions, type DoctorReport, type DoctorRow, type DoctorClaim, type DoctorEvidence } from './doctor.ts';
export { formatDoctorReport, readyClaims } from './format.ts';
export { EVIDENCE_IDS, POD_IDENTITY_HEADERS, EPP_TOKEN_FIX, VERBOSITY3_FIX, VERBOSITY4_FIX, REQUEST_ID_FIX, type EvidenceCheck, type EvidenceId } from './probes.ts';
