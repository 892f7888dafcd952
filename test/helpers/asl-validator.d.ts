declare module "asl-validator" {
  interface ValidationResult {
    isValid: boolean;
    errors: Array<{ message?: string; [k: string]: unknown }>;
  }
  function validator(definition: object, options?: { checkPaths?: boolean; checkArn?: boolean }): ValidationResult;
  export default validator;
}
