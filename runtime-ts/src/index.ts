export {
  AgentLibrary,
  type AgentHandle,
  type LibraryContract,
  type LibraryDeclarations,
  type LibraryOptions,
} from './ffi/library.js';
export { ContractMismatchError, ErrorCodes, RustError, type AgentErrorInfo } from './ffi/errors.js';
export {
  agentType,
  LocalAgents,
  unimplemented,
  type AgentTransport,
  type AgentType,
  type ServiceCall,
  type ServiceDispatch,
} from './agents/local.js';
